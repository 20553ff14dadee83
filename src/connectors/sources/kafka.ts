import { parseDuration } from '../../engine/duration.js';
import { UsageError } from '../../engine/errors.js';
import { brokersOption, parseBrokers, parsePositionKey, requireTopic } from '../kafka/client.js';
import { changelogOption, changelogTopic } from '../kafka/changelog.js';
import { consumeKafka } from '../kafka/consume.js';
import { kafkaSecurity, securityOptions } from '../kafka/security.js';
import type { SourceKind } from '../kinds.js';

/** The consumer group a source joins when --group is not given. */
export function defaultGroup(topic: string): string {
  return `sluice-${topic}`;
}

export const kafkaSource: SourceKind = {
  name: 'kafka',
  describe:
    'kafka --brokers HOST:PORT,... --topic T [--group G]: a Kafka consumer-group member; JSON object payloads are records as they are, other payloads {"value": text}; --with-meta gives {key, value, topic, partition, offset, timestamp, headers}; offsets are committed once the sluice sink at the end of the pipe has finished a batch (handed on, if no sluice sink claims it), or with --checkpoint DIR once the sink committed it there (a restart resumes at the last commit of the sink)',
  options: [
    brokersOption,
    ...securityOptions,
    { name: 'topic', type: 'string', placeholder: 'T', describe: 'kafka: topic to consume' },
    { name: 'group', type: 'string', placeholder: 'G', describe: 'kafka: consumer group (default sluice-<topic>); copies in one group share the partitions' },
    { name: 'from', type: 'string', default: 'latest', choices: ['earliest', 'latest'], describe: 'kafka: where a group without committed offsets starts' },
    { name: 'with-meta', type: 'boolean', default: false, describe: 'kafka: records {key, value, topic, partition, offset, timestamp, headers}, value being the JSON payload or its text; valueText holds the payload when parsing would change it (big numbers, repeated keys); bytes that are not UTF-8 are base64 (keyEncoding, valueEncoding)' },
    {
      name: 'commit-offsets',
      type: 'string',
      default: 'auto',
      choices: ['auto', 'none'],
      describe: 'kafka: auto commits a batch\'s offsets once the sluice sink at the end of the pipe finished it (with --checkpoint: once the sink committed it); none leaves that to a transactional sink kafka',
    },
    {
      name: 'until-end',
      type: 'boolean',
      default: false,
      describe: 'kafka: read every partition this member owns up to its end offset as of the start, then end the stream (kcat -e, Spark\'s Trigger.AvailableNow); one batch unless --max-records-per-batch cuts it; with --checkpoint each run continues where the last one stopped',
    },
    changelogOption,
    { name: 'session-timeout', type: 'string', placeholder: 'DURATION', kind: 'duration', default: '30s', describe: 'kafka: how long the group waits for a silent member before giving its partitions to others' },
  ],
  validate(args) {
    parseBrokers(args['brokers'], 'source');
    kafkaSecurity(args);
    requireTopic(args['topic'], 'source');
    if (args['group'] !== undefined && String(args['group']) === '') throw new UsageError('--group must not be empty');
    parseDuration(String(args['session-timeout']), '--session-timeout');
    if (changelogTopic(args) !== undefined && args['commit-offsets'] !== 'none') {
      throw new UsageError('--changelog needs --commit-offsets none: the state of a partition is only as good as the offsets committed with it, by sink kafka --transactional --changelog');
    }
    if (args['checkpoint'] !== undefined && args['commit-offsets'] === 'none') {
      throw new UsageError('--checkpoint does not go with --commit-offsets none: a transactional sink kafka stores the offsets itself; leave --checkpoint out');
    }
  },
  // --until-end reads a fixed range, like a file: one batch by default, so a word count prints totals.
  bounded: (args) => Boolean(args['until-end']),
  // Without --checkpoint, offsets follow the acknowledgements of the sluice sink at the end of the pipe.
  acknowledged: (args) => args['commit-offsets'] !== 'none',
  // Offsets are positions: with --checkpoint the member resumes at the sink's last commit.
  replay: { owns: (positions, args) => Object.keys(positions).some((key) => parsePositionKey(key)?.topic === String(args['topic'])) },
  run(run) {
    const { args } = run;
    const topic = requireTopic(args['topic'], 'source');
    return consumeKafka(run, {
      brokers: parseBrokers(args['brokers'], 'source'),
      security: kafkaSecurity(args),
      topic,
      group: args['group'] === undefined ? defaultGroup(topic) : String(args['group']),
      from: args['from'] === 'earliest' ? 'earliest' : 'latest',
      withMeta: Boolean(args['with-meta']),
      untilEnd: Boolean(args['until-end']),
      commit: args['commit-offsets'] === 'none' ? 'none' : 'auto',
      sessionTimeoutMs: parseDuration(String(args['session-timeout']), '--session-timeout'),
      maxDepth: Number(args['max-depth']),
      changelog: changelogTopic(args),
      checkpoint: args['checkpoint'] === undefined || args['checkpoint'] === '' ? undefined : String(args['checkpoint']),
      ackDir: run.ackDir,
    });
  },
};

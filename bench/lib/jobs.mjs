// The bench jobs: each runs the same work with sluice and its peers. The
// first variant of a job is the sluice one; ratios are peer time / sluice time.

const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

export function defineJobs({ sluice, peers, data, benchDir, sparkPython }) {
  const words = q(`${data}/words.ndjson`);
  const corpus = q(`${data}/corpus.txt`);
  const keys = q(`${data}/keys.ndjson`);
  const ndjson = (bin) => q(`${peers}/${bin}`);
  const splitWords = `map --flat 'r.value.split(" ")'`;
  return [...issue5Jobs({ sluice, data, benchDir, words, corpus, keys, ndjson, splitWords }), ...issue12Jobs({ sluice, data, benchDir, sparkPython }), ...orderJobs({ sluice, data }), ...eventJobs({ sluice, data })];
}

function issue5Jobs({ sluice, benchDir, words, corpus, keys, ndjson, splitWords }) {
  return [
    {
      id: 'map',
      title: "identity map over 2M records (`sluice map 'r'`)",
      variants: [
        { tool: 'sluice', cmd: `${sluice} map r < ${words}` },
        { tool: 'jq', cmd: `jq -c . < ${words}` },
        { tool: 'mlr', cmd: `mlr --ijsonl --ojsonl cat < ${words}` },
        { tool: 'ndjson-map', cmd: `${ndjson('ndjson-map')} d < ${words}` },
      ],
    },
    {
      id: 'filter',
      title: "filter over 2M records (`sluice filter 'r.word.length > 3'`)",
      variants: [
        { tool: 'sluice', cmd: `${sluice} filter 'r.word.length > 3' < ${words}` },
        { tool: 'jq', cmd: `jq -c 'select(.word|length > 3)' < ${words}` },
        { tool: 'mlr', cmd: `mlr --ijsonl --ojsonl filter 'strlen($word) > 3' < ${words}` },
        { tool: 'ndjson-filter', cmd: `${ndjson('ndjson-filter')} 'd.word.length > 3' < ${words}` },
      ],
    },
    {
      id: 'reduce',
      title: 'count per key over 2M records (`sluice reduce-by-key word --count`)',
      variants: [
        { tool: 'sluice', cmd: `${sluice} reduce-by-key word --count < ${words}` },
        { tool: 'mlr', cmd: `mlr --ijsonl --ojsonl count -g word < ${words}` },
        { tool: 'ndjson-reduce', cmd: `${ndjson('ndjson-reduce')} 'p[d.word] = (p[d.word] || 0) + 1, p' '{}' < ${words}` },
      ],
    },
    {
      id: 'wordcount',
      title: 'word count of the 10M-word corpus',
      variants: [
        { tool: 'sluice', cmd: `${sluice} source file ${corpus} | ${sluice} ${splitWords} | ${sluice} reduce-by-key value --count | ${sluice} sink` },
        { tool: 'sluice run', cmd: `${sluice} run ${q(`source file ${corpus.slice(1, -1)} | ${splitWords} | reduce-by-key value --count | sink`)}` },
        { tool: 'mawk', cmd: `mawk '{for(i=1;i<=NF;i++) c[$i]++} END {for (w in c) print w, c[w]}' < ${corpus}` },
        { tool: 'sort | uniq -c', cmd: `tr -s ' ' '\\n' < ${corpus} | LC_ALL=C sort | uniq -c` },
      ],
    },
    {
      id: 'keys',
      title: 'count per key over 1M distinct keys',
      variants: [
        { tool: 'sluice', cmd: `${sluice} reduce-by-key key --count < ${keys}` },
        { tool: 'mlr', cmd: `mlr --ijsonl --ojsonl count -g key < ${keys}` },
      ],
    },
    {
      id: 'framing',
      title: 'framing micro-bench: read and JSON.parse the 2M records',
      variants: [
        { tool: 'LineFramer', cmd: `node ${q(`${benchDir}/framing.mjs`)} lineframer ${words}` },
        { tool: 'split2', cmd: `node ${q(`${benchDir}/framing.mjs`)} split2 ${words}` },
        { tool: 'ndjson', cmd: `node ${q(`${benchDir}/framing.mjs`)} ndjson ${words}` },
      ],
    },
  ];
}

/**
 * Issue 12: realistic access-log records (bench/gen.mjs logs.ndjson), a
 * tokenised word count, and the scaling curves. A job with `curve` is a curve:
 * its variants are the points, and `curve.metric` says what each point gives.
 */
function issue12Jobs({ sluice, data, benchDir, sparkPython }) {
  const logs = q(`${data}/logs.ndjson`);
  const logsPath = `${data}/logs.ndjson`;
  const prose = `${data}/prose.txt`;
  const records = 1_000_000 * scaleOf(data);
  const mapExpr = q('({...r, kb: Math.floor(r.bytes / 1024), ok: r.status < 400})');
  const filterExpr = q('r.status >= 400 && r.path.startsWith("/p/1")');
  const reduceArgs = 'path status --count --sum bytes --avg bytes';
  const windowStages = (mode) => [`source file ${logsPath} --format json`, 'window 1m --time-field ts --watermark 5s', `reduce-by-key status --count${mode}`, 'sink'];
  const pipe = (stages) => stages.map((st) => `${sluice} ${st}`).join(' | ');
  const run = (stages) => `${sluice} run ${q(stages.join(' | '))}`;
  const tokens = `map --flat 'r.value.toLowerCase().split(/\\s+/).filter((w) => w !== "")'`;
  const tokenStages = [`source file ${prose}`, tokens, 'reduce-by-key value --count', 'sink'];
  const filterStage = `filter 'r.status > 0'`;
  const spark = sparkPython
    ? [
        { tool: 'spark local[2]', cmd: `${q(sparkPython)} ${q(`${benchDir}/spark/window.py`)} ${q(`${data}/spark-in`)}` },
        { tool: 'spark start-up', cmd: `${q(sparkPython)} ${q(`${benchDir}/spark/window.py`)} --startup` },
      ]
    : [];
  return [
    {
      id: 'logmap',
      title: `map with spread and computed fields over the log records (\`map ${mapExpr}\`)`,
      variants: [
        { tool: 'sluice', cmd: `${sluice} map ${mapExpr} < ${logs}` },
        { tool: 'jq', cmd: `jq -c '. + {kb: (.bytes / 1024 | floor), ok: (.status < 400)}' < ${logs}` },
      ],
    },
    {
      id: 'logfilter',
      title: `compound filter over the log records (\`filter ${filterExpr}\`)`,
      variants: [
        { tool: 'sluice', cmd: `${sluice} filter ${filterExpr} < ${logs}` },
        { tool: 'jq', cmd: `jq -c 'select(.status >= 400 and (.path | startswith("/p/1")))' < ${logs}` },
      ],
    },
    {
      id: 'logreduce',
      title: `two keys, several aggregates (\`reduce-by-key ${reduceArgs}\`)`,
      variants: [
        { tool: 'sluice', cmd: `${sluice} reduce-by-key ${reduceArgs} < ${logs}` },
        { tool: 'mlr stats1', cmd: `mlr --ijsonl --ojsonl stats1 -a count,sum,mean -f bytes -g path,status < ${logs}` },
      ],
    },
    {
      id: 'window',
      title: 'event-time window 1m (watermark 5s) + count per status over the log records',
      variants: [
        { tool: 'sluice', cmd: pipe(windowStages('')) },
        { tool: 'sluice run', cmd: run(windowStages('')) },
        { tool: 'sluice update', cmd: pipe(windowStages(' --mode update')) },
        { tool: 'mlr count by minute', cmd: `mlr --ijsonl --ojsonl put '$minute = sub($ts, ":[0-9.]+Z$", "")' then count -g minute,status < ${logs}` },
        ...spark,
      ],
    },
    {
      id: 'tokens',
      title: `word count with a tokenisation a user writes (\`${tokens}\`), 3M words`,
      variants: [
        { tool: 'sluice', cmd: pipe(tokenStages) },
        { tool: 'sluice run', cmd: run(tokenStages) },
        { tool: 'mawk', cmd: `mawk '{ $0 = tolower($0); for (i = 1; i <= NF; i++) c[$i]++ } END { for (w in c) print w, c[w] }' < ${q(prose)}` },
      ],
    },
    {
      id: 'curve-stages',
      title: `stateless stages in a pipe (\`${filterStage}\` repeated) over the log records`,
      curve: { metric: (seconds) => `${fmtRate(records / seconds)} records/s` },
      variants: [1, 2, 3, 4].map((k) => ({ tool: `${k} stage${k > 1 ? 's' : ''}`, cmd: `${sluice} ${filterStage} < ${logs}${` | ${sluice} ${filterStage}`.repeat(k - 1)}` })),
    },
    {
      id: 'curve-keys',
      title: 'memory against distinct keys (`reduce-by-key key --count`, keys of 7 characters)',
      curve: { metric: (seconds, rssMB, variant, base) => (variant.keys > base.keys ? `${(((rssMB - base.rssMB) * 2 ** 20) / (variant.keys - base.keys) - 7).toFixed(0)} bytes/key beyond the key` : 'baseline') },
      variants: [1e3, 1e5, 1e6, 1e7].map((n) => ({ tool: `${n >= 1e6 ? n / 1e6 + 'M' : n / 1e3 + 'k'} keys${scaleOf(data) === 1 ? '' : ` (x${scaleOf(data)})`}`, keys: n * scaleOf(data), cmd: `node ${q(`${benchDir}/keys.mjs`)} ${n * scaleOf(data)} | ${sluice} reduce-by-key key --count` })),
    },
    {
      id: 'curve-width',
      title: "throughput against record width (`filter 'r.status >= 400'`, 20 MB of records each)",
      curve: { metric: (seconds, _rss, variant) => `${(20 * scaleOf(data) / seconds).toFixed(1)} MB/s, ${fmtRate(variant.records / seconds)} records/s` },
      variants: [['100 B', 100], ['1 KB', 1000], ['10 KB', 10_000]].map(([tool, width]) => ({ tool, records: (2e7 / width) * scaleOf(data), cmd: `${sluice} filter 'r.status >= 400' < ${q(`${data}/width-${tool === '100 B' ? '100' : tool === '1 KB' ? '1k' : '10k'}.ndjson`)}` })),
    },
    {
      id: 'curve-parallel',
      title: `\`--parallel\` on this machine's cores (\`reduce-by-key ${reduceArgs}\`)`,
      curve: { metric: (seconds) => `${fmtRate(records / seconds)} records/s` },
      variants: [1, 2].map((n) => ({ tool: `--parallel ${n}`, cmd: `${sluice} reduce-by-key ${reduceArgs} --parallel ${n} < ${logs}` })),
    },
  ];
}

/**
 * The issue-12 jobs again over the order records, a shape the log jobs do not
 * have (nested values, non-ASCII text, escaped quotes, time offsets), with
 * other expressions and field names: the fast paths must hold on both.
 */
function orderJobs({ sluice, data }) {
  const orders = q(`${data}/orders.ndjson`);
  const ordersPath = `${data}/orders.ndjson`;
  const mapExpr = q('({...r, total: r.qty * r.price, gold: r.customer.tier === "gold"})');
  const filterExpr = q('r.price > 50 && r.customer.tier === "gold"');
  const reduceArgs = 'sku region --count --sum qty --avg price';
  const windowStages = [`source file ${ordersPath} --format json`, 'window 1m --time-field time --watermark 5s', 'reduce-by-key region --count', 'sink'];
  // Miller's strptime wants +0100 and no fraction: the time is rewritten first.
  const mlrMinute = `$t = sub(sub(sub($time, "\\.[0-9]+", ""), "Z$", "+0000"), "([+-][0-9][0-9]):([0-9][0-9])$", "\\1\\2"); $minute = sec2gmt(60 * floor(strptime($t, "%Y-%m-%dT%H:%M:%S%z") / 60))`;
  return [
    {
      id: 'ordermap',
      title: `map with spread over the order records (\`map ${mapExpr}\`)`,
      variants: [
        { tool: 'sluice', cmd: `${sluice} map ${mapExpr} < ${orders}` },
        { tool: 'jq', cmd: `jq -c '. + {total: (.qty * .price), gold: (.customer.tier == "gold")}' < ${orders}` },
      ],
    },
    {
      id: 'orderfilter',
      title: `compound filter with a nested field over the order records (\`filter ${filterExpr}\`)`,
      variants: [
        { tool: 'sluice', cmd: `${sluice} filter ${filterExpr} < ${orders}` },
        { tool: 'jq', cmd: `jq -c 'select(.price > 50 and .customer.tier == "gold")' < ${orders}` },
      ],
    },
    {
      id: 'orderreduce',
      title: `two keys, several aggregates over the order records (\`reduce-by-key ${reduceArgs}\`)`,
      variants: [
        { tool: 'sluice', cmd: `${sluice} reduce-by-key ${reduceArgs} < ${orders}` },
        { tool: 'mlr stats1', cmd: `mlr --ijsonl --ojsonl stats1 -a count,sum,mean -f qty,price -g sku,region < ${orders}` },
      ],
    },
    {
      id: 'orderwindow',
      title: 'event-time window 1m (watermark 5s) + count per region over the order records (times with offsets)',
      variants: [
        { tool: 'sluice', cmd: windowStages.map((st) => `${sluice} ${st}`).join(' | ') },
        { tool: 'sluice run', cmd: `${sluice} run ${q(windowStages.join(' | '))}` },
        { tool: 'mlr count by minute', cmd: `mlr --ijsonl --ojsonl put ${q(mlrMinute)} then count -g minute,region < ${orders}` },
      ],
    },
  ];
}

/**
 * The issue-12 jobs once more over the events, written as Python writes
 * NDJSON (a space after each : and ,), with optional members and times as
 * logs write them: data not made by JavaScript must not fall off the fast paths.
 */
function eventJobs({ sluice, data }) {
  const events = q(`${data}/events.ndjson`);
  const eventsPath = `${data}/events.ndjson`;
  const mapExpr = q('({...r, slow: r.ms > 100, svc: r.service.toUpperCase()})');
  const filterExpr = q('r.level === "error" && r.ms > 50');
  const reduceArgs = 'service level --count --avg ms --max ms';
  const windowStages = [`source file ${eventsPath} --format json`, 'window 1m --time-field time --watermark 5s', 'reduce-by-key service --count', 'sink'];
  const mlrMinute = `$minute = sec2gmt(60 * floor(strptime(sub($time, "\.[0-9]+$", ""), "%Y-%m-%d %H:%M:%S") / 60))`;
  return [
    {
      id: 'eventmap',
      title: `map with spread over the events (\`map ${mapExpr}\`)`,
      variants: [
        { tool: 'sluice', cmd: `${sluice} map ${mapExpr} < ${events}` },
        { tool: 'jq', cmd: `jq -c '. + {slow: (.ms > 100), svc: (.service | ascii_upcase)}' < ${events}` },
      ],
    },
    {
      id: 'eventfilter',
      title: `compound filter over the events, a field often missing (\`filter ${filterExpr}\`)`,
      variants: [
        { tool: 'sluice', cmd: `${sluice} filter ${filterExpr} < ${events}` },
        { tool: 'jq', cmd: `jq -c 'select(.level == "error" and .ms > 50)' < ${events}` },
      ],
    },
    {
      id: 'eventreduce',
      title: `two keys, aggregates of a field often missing, over the events (\`reduce-by-key ${reduceArgs}\`)`,
      variants: [
        { tool: 'sluice', cmd: `${sluice} reduce-by-key ${reduceArgs} < ${events}` },
        { tool: 'mlr stats1', cmd: `mlr --ijsonl --ojsonl stats1 -a count,mean,max -f ms -g service,level < ${events}` },
      ],
    },
    {
      id: 'eventwindow',
      title: 'event-time window 1m (watermark 5s) + count per service over the events (times without T and zone)',
      variants: [
        { tool: 'sluice', cmd: windowStages.map((st) => `${sluice} ${st}`).join(' | ') },
        { tool: 'sluice run', cmd: `${sluice} run ${q(windowStages.join(' | '))}` },
        { tool: 'mlr count by minute', cmd: `mlr --ijsonl --ojsonl put ${q(mlrMinute)} then count -g minute,service < ${events}` },
      ],
    },
  ];
}

/** The data's scale (SLUICE_BENCH_SCALE, for quick runs on smaller data): 1 for the real bench. */
function scaleOf() {
  return Number(process.env.SLUICE_BENCH_SCALE ?? 1);
}

function fmtRate(perSecond) {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M`;
  return perSecond >= 1e4 ? `${(perSecond / 1e3).toFixed(0)}k` : perSecond.toFixed(0);
}

/** The targets of issue 12. */
export const targets12 = [
  { id: '12.1a', text: 'window + count, 4 processes >= 10x Spark local[2] (start-up included)', check: (m) => faster(m('window', 'spark local[2]'), m('window', 'sluice'), 10) },
  { id: '12.1b', text: 'window + count, 4 processes >= 5x Miller', check: (m) => faster(m('window', 'mlr count by minute'), m('window', 'sluice'), 5) },
  { id: '12.1c', text: 'window + count, sluice run >= 1.5x the pipe', check: (m) => faster(m('window', 'sluice'), m('window', 'sluice run'), 1.5) },
  { id: '12.2a', text: 'map with spread + computed fields >= 3x jq', check: (m) => faster(m('logmap', 'jq'), m('logmap', 'sluice'), 3) },
  { id: '12.2b', text: 'compound filter >= 5x jq', check: (m) => faster(m('logfilter', 'jq'), m('logfilter', 'sluice'), 5) },
  { id: '12.2c', text: 'reduce-by-key, two keys, several aggregates >= 6x mlr stats1', check: (m) => faster(m('logreduce', 'mlr stats1'), m('logreduce', 'sluice'), 6) },
  { id: '12.3a', text: 'tokenised word count, pipe <= 2x mawk', check: (m) => slower(m('tokens', 'sluice'), m('tokens', 'mawk'), 2) },
  { id: '12.3b', text: 'tokenised word count, sluice run <= 1.3x mawk', check: (m) => slower(m('tokens', 'sluice run'), m('tokens', 'mawk'), 1.3) },
  {
    id: '12.4a',
    text: 'each extra stateless stage costs < 10% throughput',
    check: (m) => {
      const t = [1, 2, 3, 4].map((k) => m('curve-stages', `${k} stage${k > 1 ? 's' : ''}`).seconds);
      const worst = Math.max(...t.slice(1).map((s, i) => s / t[i] - 1));
      return { value: `+${(worst * 100).toFixed(0)}% time for the worst extra stage`, pass: worst < 0.1 };
    },
  },
  {
    id: '12.4c',
    text: 'memory per distinct key < 120 bytes beyond the key (10M keys against 1k)',
    check: (m) => {
      const base = m('curve-keys', '1k keys');
      const top = m('curve-keys', '10M keys');
      const perKey = ((top.rssMB - base.rssMB) * 2 ** 20) / ((1e7 - 1e3) * scaleOf()) - 7;
      return { value: `${perKey.toFixed(0)} bytes/key`, pass: perKey < 120 };
    },
  },
  // The same targets on the order records (orderJobs): reported, so a shape the fast paths miss shows.
  { id: '12.1b orders', text: 'window + count, 4 processes >= 5x Miller, on the order records', check: (m) => faster(m('orderwindow', 'mlr count by minute'), m('orderwindow', 'sluice'), 5) },
  { id: '12.1c orders', text: 'window + count, sluice run >= 1.5x the pipe, on the order records', check: (m) => faster(m('orderwindow', 'sluice'), m('orderwindow', 'sluice run'), 1.5) },
  { id: '12.2a orders', text: 'map with spread >= 3x jq, on the order records', check: (m) => faster(m('ordermap', 'jq'), m('ordermap', 'sluice'), 3) },
  { id: '12.2b orders', text: 'compound filter >= 5x jq, on the order records', check: (m) => faster(m('orderfilter', 'jq'), m('orderfilter', 'sluice'), 5) },
  { id: '12.2c orders', text: 'reduce-by-key >= 6x mlr stats1, on the order records', check: (m) => faster(m('orderreduce', 'mlr stats1'), m('orderreduce', 'sluice'), 6) },
  // And on the events (eventJobs): Python's separators, optional members, log times.
  { id: '12.1b events', text: 'window + count, 4 processes >= 5x Miller, on the events', check: (m) => faster(m('eventwindow', 'mlr count by minute'), m('eventwindow', 'sluice'), 5) },
  { id: '12.1c events', text: 'window + count, sluice run >= 1.5x the pipe, on the events', check: (m) => faster(m('eventwindow', 'sluice'), m('eventwindow', 'sluice run'), 1.5) },
  { id: '12.2a events', text: 'map with spread >= 3x jq, on the events', check: (m) => faster(m('eventmap', 'jq'), m('eventmap', 'sluice'), 3) },
  { id: '12.2b events', text: 'compound filter >= 5x jq, on the events', check: (m) => faster(m('eventfilter', 'jq'), m('eventfilter', 'sluice'), 5) },
  { id: '12.2c events', text: 'reduce-by-key >= 6x mlr stats1, on the events', check: (m) => faster(m('eventreduce', 'mlr stats1'), m('eventreduce', 'sluice'), 6) },
  { id: '12.4b', text: '--parallel 2 >= 1.7x --parallel 1 (reduce-by-key)', check: (m) => faster(m('curve-parallel', '--parallel 1'), m('curve-parallel', '--parallel 2'), 1.7) },
];

/** The six targets of issue 5. `m(job, tool)` gives the medians { seconds, rssMB }. */
export const targets = [
  { id: 1, text: "map 'r' >= 2.5x jq -c .", check: (m) => faster(m('map', 'jq'), m('map', 'sluice'), 2.5) },
  { id: 2, text: 'filter >= 4x jq select', check: (m) => faster(m('filter', 'jq'), m('filter', 'sluice'), 4) },
  { id: '3a', text: 'reduce-by-key --count >= 5x mlr count -g', check: (m) => faster(m('reduce', 'mlr'), m('reduce', 'sluice'), 5) },
  { id: '3b', text: 'reduce-by-key --count >= 3x ndjson-reduce', check: (m) => faster(m('reduce', 'ndjson-reduce'), m('reduce', 'sluice'), 3) },
  { id: '4a', text: 'word count, 4-process pipe <= 2.5x mawk', check: (m) => slower(m('wordcount', 'sluice'), m('wordcount', 'mawk'), 2.5) },
  { id: '4b', text: 'word count, sluice run <= 1.6x mawk', check: (m) => slower(m('wordcount', 'sluice run'), m('wordcount', 'mawk'), 1.6) },
  {
    id: '5a',
    text: 'streaming stages < 100 MB RSS',
    check: (m) => {
      const worst = Math.max(...['map', 'filter', 'reduce', 'wordcount'].map((j) => m(j, 'sluice').rssMB), m('wordcount', 'sluice run').rssMB);
      return { value: `max ${worst.toFixed(0)} MB`, pass: worst < 100 };
    },
  },
  { id: '5b', text: 'reduce-by-key, 1M distinct keys < 300 MB', check: (m) => ({ value: `${m('keys', 'sluice').rssMB.toFixed(0)} MB`, pass: m('keys', 'sluice').rssMB < 300 }) },
];

function faster(peer, sluice, at) {
  const ratio = peer.seconds / sluice.seconds;
  return { value: `${ratio.toFixed(2)}x`, pass: ratio >= at };
}

function slower(sluice, peer, at) {
  const ratio = sluice.seconds / peer.seconds;
  return { value: `${ratio.toFixed(2)}x`, pass: ratio <= at };
}

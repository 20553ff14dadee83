// Where kafkajs 2.2.4 is loaded from, with some of its modules replaced by
// sluice's (client.ts says which and why). Its ~140 modules took 100-135 ms of
// every Kafka stage's start-up to compile; scripts/bundle.mjs puts them into one
// file, dist/bundle/kafkajs.cjs, loaded with a V8 code cache as the CLI's own
// bundle is (bin/load-bundle.cjs): about 20 ms. In that file the replaced
// modules ask a table filled by replace() for their exports. Without the file
// (only tsc was run), or with fast paths off (SLUICE_FAST=0), kafkajs comes
// from node_modules and the replacements are put in Node's module cache.
import { existsSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fastPathsOn } from '../../engine/fast/switch.js';

/** kafkajs's modules that sluice replaces or wraps. */
export const REPLACED_MODULES = [
  'kafkajs/src/producer/groupMessagesPerPartition',
  'kafkajs/src/producer/partitioners/default/murmur2',
  'kafkajs/src/producer/sendMessages',
  'kafkajs/src/protocol/recordBatch/record/v0',
  'kafkajs/src/protocol/requests/fetch/v4/decodeMessages',
  'kafkajs/src/consumer/batch',
  'kafkajs/src/protocol/request',
  'kafkajs/src/protocol/requests/produce/v3/request',
] as const;
/** kafkajs's modules the replacements use. */
export const USED_MODULES = [
  'kafkajs/src/producer/responseSerializer',
  'kafkajs/src/protocol/error',
  'kafkajs/src/errors',
  'kafkajs/src/protocol/message/compression',
  'kafkajs/src/protocol/decoder',
  'kafkajs/src/protocol/messageSet/decoder',
  'kafkajs/src/network/requestQueue',
] as const;
export type ReplacedModule = (typeof REPLACED_MODULES)[number];
export type UsedModule = (typeof USED_MODULES)[number];

/** What dist/bundle/kafkajs.cjs exports (scripts/bundle.mjs writes its entry). */
interface BundledKafkajs {
  replacements: Map<string, (original: () => unknown) => unknown>;
  module(id: string): unknown;
  main(): typeof import('kafkajs');
}

export interface KafkajsLibrary {
  readonly bundled: boolean;
  module<T>(id: UsedModule): T;
  /** `make(original)` is module id's exports from now on (`original()` loads kafkajs's own); before kafkajs loads. */
  replace(id: ReplacedModule, make: (original: () => unknown) => unknown): void;
  main(): typeof import('kafkajs');
}

/** dist/bundle/kafkajs.cjs, seen from the CLI's bundle or from dist/src/connectors/kafka/. */
function bundleFile(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  return [join(here, 'kafkajs.cjs'), join(here, '../../../bundle/kafkajs.cjs')].find((f) => existsSync(f));
}

export function kafkajsLibrary(): KafkajsLibrary {
  const require = createRequire(import.meta.url);
  const file = fastPathsOn() ? bundleFile() : undefined;
  if (file !== undefined) {
    const { loadCached } = require(join(dirname(file), '../../bin/load-bundle.cjs')) as { loadCached(f: string): { exports: BundledKafkajs } };
    const lib = loadCached(file).exports;
    return {
      bundled: true,
      module: <T>(id: UsedModule) => lib.module(id) as T,
      replace: (id, make) => void lib.replacements.set(id, make),
      main: () => lib.main(),
    };
  }
  return {
    bundled: false,
    module: <T>(id: UsedModule) => require(id) as T,
    replace: (id, make) => {
      const path = require.resolve(id);
      // Loaded already (a test that uses kafkajs itself): kafkajs keeps its own.
      if (require.cache[path]) return;
      const exports = make(() => require(id));
      const loaded = require.cache[path] as NodeJS.Module | undefined;
      if (loaded) {
        loaded.exports = exports; // a wrapper: the original is loaded, and its exports replaced
        return;
      }
      const module = new Module(path);
      module.filename = path;
      module.loaded = true;
      module.exports = exports;
      require.cache[path] = module;
    },
    main: () => require('kafkajs') as typeof import('kafkajs'),
  };
}

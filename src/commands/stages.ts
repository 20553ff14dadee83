import { filterCommand, mapCommand } from './expression-commands.js';
import { reduceByKeyCommand } from './reduce-by-key.js';
import { sinkCommand } from './sink.js';
import { sourceCommand } from './source.js';
import type { CommandSpec } from '../spec.js';
import { windowCommand } from './window.js';

/** The commands a pipeline is made of, in the order `sluice --help` lists them; `sluice run` chains these. Add new stage commands here. */
export const stageCommands: CommandSpec[] = [sourceCommand, mapCommand, filterCommand, windowCommand, reduceByKeyCommand, sinkCommand];

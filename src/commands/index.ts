import { completionCommand } from './completion.js';
import { filterCommand, mapCommand } from './expression-commands.js';
import { reduceByKeyCommand } from './reduce-by-key.js';
import { runCommand } from './run.js';
import { sinkCommand } from './sink.js';
import { sourceCommand } from './source.js';
import type { CommandSpec } from './spec.js';
import { windowCommand } from './window.js';

/** Every subcommand, in the order `sluice --help` lists them. Add new commands here. */
export const commands: CommandSpec[] = [sourceCommand, mapCommand, filterCommand, windowCommand, reduceByKeyCommand, sinkCommand, runCommand, completionCommand];

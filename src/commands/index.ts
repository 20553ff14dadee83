import { completionCommand } from './completion.js';
import { runCommand } from './run.js';
import type { CommandSpec } from '../spec.js';
import { stageCommands } from './stages.js';

/** Every subcommand, in the order `sluice --help` lists them. Add new stage commands in stages.ts, others here. */
export const commands: CommandSpec[] = [...stageCommands, runCommand, completionCommand];

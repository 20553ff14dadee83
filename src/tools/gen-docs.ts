/**
 * Writes man/*.1 and the README's command reference from the command
 * declarations. Run with `npm run docs`; test/docs checks they are not stale.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commands } from '../commands/index.js';
import { VERSION } from '../version.js';
import { renderMainManPage, renderManPage, renderReadmeReference, spliceReference } from './render-docs.js';

export function expectedDocs(root: string): Map<string, string> {
  const files = new Map<string, string>();
  files.set(join(root, 'man', 'sluice.1'), renderMainManPage(commands, VERSION));
  for (const c of commands) files.set(join(root, 'man', `sluice-${c.name}.1`), renderManPage(c, VERSION));
  const readmePath = join(root, 'README.md');
  files.set(readmePath, spliceReference(readFileSync(readmePath, 'utf8'), renderReadmeReference(commands)));
  return files;
}


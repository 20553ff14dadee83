#!/usr/bin/env node
// Regenerates man/*.1 and the README's command reference from the command declarations.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectedDocs } from '../dist/src/tools/gen-docs.js';

const root = process.cwd();
mkdirSync(join(root, 'man'), { recursive: true });
const files = expectedDocs(root);
for (const [path, text] of files) writeFileSync(path, text);
console.error(`gen-docs: wrote ${files.size} files`);

#!/usr/bin/env node
// Prints N records {"key":"k…"}, every key distinct, for the memory-per-key curve:
//   node bench/keys.mjs N
const n = Number(process.argv[2]);
let buf = '';
for (let i = 0; i < n; i++) {
  buf += `{"key":"k${i.toString(36).padStart(6, '0')}"}\n`;
  if (buf.length > 1 << 20) {
    if (!process.stdout.write(buf)) await new Promise((r) => process.stdout.once('drain', r));
    buf = '';
  }
}
process.stdout.write(buf);

#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=200
// The young generation capped at 4 MB a semi-space (V8's default grows to 16 or more): the
// pipeline's garbage is short-lived and its live set small, so this cuts tens of MB of
// peak RSS. 8 MB would snapshot about 20% faster but took the wide-row UPDATE past 200 MB
// (bench/README.md, "At e30fe25"). The old generation grows to 3 times what a full
// GC left live (V8 picks up to 4 while collections are cheap): messages awaiting their ack
// outlive the young generation, so the old one fills with them between collections; this
// cut peak RSS by 17-27 MB a workload for 5-10% more CPU in the snapshot and the large
// UPDATE (bench/README.md, "Memory and DATETIME reads"). `node --max-semi-space-size=N
// --heap-growing-percent=M bin/tributary.js ...` overrides them.
// Runs the compiled CLI when `npm run build` has produced it; in a development
// checkout without a build it runs the TypeScript sources through tsx instead.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'cli', 'main.js');
if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
}

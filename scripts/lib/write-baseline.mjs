// A second yardstick of bench:build: write as many files, of the same sizes and in the same folders, as a build wrote,
// with writeFileSync from one buffer, and nothing else. It shows what the disk alone costs on this machine.
// Usage: node write-baseline.mjs BUILT_DIR SCRATCH_DIR   (prints "files bytes")
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const [built, scratch] = process.argv.slice(2);
const files = [];
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else files.push([relative(built, p), statSync(p).size]);
  }
};
walk(built);
const biggest = files.reduce((m, [, s]) => Math.max(m, s), 0);
const buffer = Buffer.alloc(biggest, 0x61);
rmSync(scratch, { recursive: true, force: true });
const dirs = new Set();
let bytes = 0;
for (const [rel, size] of files) {
  const path = join(scratch, rel);
  const dir = join(path, '..');
  if (!dirs.has(dir)) {
    mkdirSync(dir, { recursive: true });
    dirs.add(dir);
  }
  writeFileSync(path, buffer.subarray(0, size));
  bytes += size;
}
process.stdout.write(`${files.length} ${bytes}\n`);

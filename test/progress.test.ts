/** The command line's terminal output: the build's progress line (sized to the terminal, safe when it reports no size) and help text. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { progressBar } from '../src/cli/main.js';

const original = Object.getOwnPropertyDescriptor(process.stderr, 'columns');
afterEach(() => {
  vi.restoreAllMocks();
  if (original) Object.defineProperty(process.stderr, 'columns', original);
  else delete (process.stderr as { columns?: number }).columns;
});

function draw(columns: number | undefined): string[] {
  Object.defineProperty(process.stderr, 'columns', { value: columns, configurable: true, writable: true });
  const written: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  const bar = progressBar(true)!;
  bar(3, 7, 'Family \u001b[31mred\u001b[0m', 'families');
  bar(7, 7, 'done', 'families');
  return written;
}

describe('progress bar', () => {
  it('is off when disabled', () => {
    expect(progressBar(false)).toBeUndefined();
  });

  it('draws the final state within the terminal width and clears it', () => {
    const out = draw(60);
    expect(out[0]).toMatch(/^\r\[#{24}\] 7\/7 families done\s+$/);
    expect(out[0]!.length).toBe(59); // "\r" and 58 columns: never the last column, which would wrap
    expect(out[1]).toBe('\r' + ' '.repeat(59) + '\r');
  });

  it('assumes 80 columns when the terminal reports 0 or none (as under `script`)', () => {
    for (const columns of [0, undefined]) {
      const out = draw(columns);
      expect(out[0]!.length).toBe(79);
    }
  });
});

describe('help text', () => {
  it('every command description fits 80 columns, so commander never re-wraps it into ragged lines', async () => {
    const { createProgram } = await import('../src/cli/main.js');
    const program = createProgram();
    const commands = [program, ...program.commands];
    expect(commands.map((c) => c.name())).toEqual(expect.arrayContaining(['build', 'fetch', 'hunt', 'validate', 'diff']));
    for (const c of commands) {
      for (const line of c.description().split('\n')) expect(line.length, `${c.name()}: ${line}`).toBeLessThanOrEqual(80);
    }
  });

  it('the whole --help of every command fits 80 columns, but for option values that have no space to break at', async () => {
    const { spawnSync } = await import('node:child_process');
    const bin = new URL('../bin/huntpack.js', import.meta.url).pathname;
    for (const args of [['--help'], ...['build', 'fetch', 'hunt', 'validate', 'diff'].map((c) => [c, '--help'])]) {
      const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, COLUMNS: '80' } });
      expect(r.status).toBe(0);
      for (const line of r.stdout.split('\n')) if (/\s\S{40,}$/.test(line) === false) expect(line.length, `${args.join(' ')}: ${line}`).toBeLessThanOrEqual(80);
    }
  });
});

/**
 * Temporary folders of interrupted runs. A build killed mid-way (Ctrl-C, SIGKILL, a closed terminal) cannot remove its
 * temporary output folder or its spill files; each names its process id, and the next run removes those of processes
 * that are gone.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Whether a process with this id exists (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the entries of `dir` named `prefix` + a process id + `suffixPattern` whose process is gone (never this
 * process's own). Errors are ignored: cleaning up is a courtesy, never a reason to fail a run.
 */
export function removeStale(dir: string, prefix: string, suffixPattern = ''): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^${escaped}(\\d+)${suffixPattern}$`);
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    try {
      rmSync(join(dir, name), { recursive: true, force: true });
    } catch {
      // left for a later run
    }
  }
}

import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * PGlite neither locks its folder nor tolerates two writers: a second process would corrupt it.
 * The lockfile holds the owner's pid; a lock left by a dead process is taken over.
 */
export function takeLock(dir: string): () => void {
  const path = join(dir, 'ordo.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let held = true;
      const release = () => {
        if (held) {
          held = false;
          rmSync(path, { force: true });
        }
      };
      process.once('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (pid && isAlive(pid)) {
        throw new Error(`the embedded database in ${dir} is in use by process ${pid}; stop it or use DATABASE_URL`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not lock ${dir}`);
}

/** The pid of a live process holding the embedded database in `dir`, or null. */
export function lockHolder(dir: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dir, 'ordo.lock'), 'utf8').trim());
  } catch {
    return null;
  }
  return pid && isAlive(pid) ? pid : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

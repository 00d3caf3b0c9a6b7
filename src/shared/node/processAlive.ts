/** Whether a process id names a running process on this machine; lock files and temporary names rely on it. */

/** Signal 0 only checks that the process exists; EPERM means it exists but belongs to another user. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Lock files shared between processes: a lock is a file created with O_EXCL (`wx`) that says who
 * holds it (pid, machine, time, purpose), so the next process can tell a live holder from one that
 * died and take over a lock the dead left behind. Locks are released by their holder, and on exit.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from './processAlive';
import { tempPath } from './tempFiles';

export interface LockHolder {
  pid: number;
  hostname: string;
  /** ISO time the lock was taken. */
  startedAt: string;
  /** What the holder is doing, for messages: a stage name, "run.json update". */
  purpose: string;
  /** Tells two locks taken by one pid apart (an earlier process with a recycled pid, or two requests). */
  token: string;
}

export interface HeldLock {
  release(): Promise<void>;
}

export type LockAttempt = { lock: HeldLock; tookOver?: { holder?: LockHolder } } | { holder: LockHolder };

/** Its creator writes a lock's content right after creating it: an unreadable lock younger than this is still being written. */
const UNWRITTEN_GRACE_MS = 1000;

/** The locks this process holds (file -> the text it wrote), so a lock of our own pid can be told from a stale one and released on exit. */
const held = new Map<string, { text: string; token: string }>();

/**
 * Takes the lock `file`, or says who holds it. A lock whose holder `isStale` judges gone (and an
 * unreadable one) is taken over, and `tookOver` says from whom.
 */
export async function tryLock(
  file: string,
  purpose: string,
  isStale: (holder: LockHolder, ageMs: number) => boolean,
): Promise<LockAttempt> {
  const target = path.resolve(file);
  const mine: LockHolder = {
    pid: process.pid,
    hostname: os.hostname(),
    startedAt: new Date().toISOString(),
    purpose,
    token: randomBytes(6).toString('hex'),
  };
  const text = JSON.stringify(mine);
  let tookOver: { holder?: LockHolder } | undefined;
  for (;;) {
    if (await createExclusive(target, text)) {
      remember(target, text, mine.token);
      return { lock: { release: () => release(target, text) }, ...(tookOver ? { tookOver } : {}) };
    }
    const seen = await readLock(target);
    if (!seen) continue; // released between our attempt and the read
    if (!seen.holder && seen.ageMs < UNWRITTEN_GRACE_MS) {
      await sleep(10);
      continue;
    }
    if (seen.holder && !isStale(seen.holder, seen.ageMs)) return { holder: seen.holder };
    if (await removeIfUnchanged(target, seen.text)) tookOver = { holder: seen.holder };
  }
}

/**
 * Whether a lock's holder is known to be gone: a process of this machine that no longer runs, or
 * this process's own pid on a lock it does not hold (left by an earlier process with the same pid).
 * A holder on another machine cannot be checked from here and counts as alive.
 */
export function holderIsGone(holder: LockHolder): boolean {
  if (holder.hostname !== os.hostname()) return false;
  if (holder.pid === process.pid) return ![...held.values()].some((h) => h.token === holder.token);
  return !processAlive(holder.pid);
}

async function createExclusive(file: string, text: string): Promise<boolean> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    await handle.writeFile(text);
  } catch (err) {
    await handle.close();
    await fs.promises.rm(file, { force: true });
    throw err;
  }
  await handle.close();
  return true;
}

async function readLock(file: string): Promise<{ text: string; holder?: LockHolder; ageMs: number } | undefined> {
  try {
    // Ours are plain files made with O_EXCL: a link (a shared run folder's stage.lock -> /dev/zero)
    // or a FIFO is not read, and not taken over either, since the takeover reads it too.
    const stat = await fs.promises.lstat(file);
    if (!stat.isFile())
      throw new Error(
        `${file} is not a lock file OptiDEL wrote (a symbolic link or special file); delete it, then try again`,
      );
    const text = await fs.promises.readFile(file, 'utf8');
    return { text, holder: parseHolder(text), ageMs: Date.now() - stat.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const h = JSON.parse(text) as Partial<LockHolder> | null;
    const valid =
      typeof h === 'object' &&
      h !== null &&
      Number.isSafeInteger(h.pid) &&
      (h.pid as number) > 0 &&
      typeof h.hostname === 'string' &&
      typeof h.startedAt === 'string' &&
      typeof h.purpose === 'string' &&
      typeof h.token === 'string';
    return valid ? (h as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes a stale lock, but only the one that was judged: it is first moved aside, and if what
 * was moved is not that lock (another process took over and locked in between), it goes back.
 */
async function removeIfUnchanged(file: string, staleText: string): Promise<boolean> {
  const aside = tempPath(file);
  try {
    await fs.promises.rename(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if ((await fs.promises.readFile(aside, 'utf8')) === staleText) {
    await fs.promises.rm(aside, { force: true });
    return true;
  }
  await fs.promises.rename(aside, file);
  return false;
}

let exitHookInstalled = false;

function remember(file: string, text: string, token: string): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', releaseAllNow);
  }
  held.set(file, { text, token });
}

/** Deletes the lock only while it is still ours: after a takeover it belongs to someone else. */
async function release(file: string, text: string): Promise<void> {
  if (held.get(file)?.text !== text) return;
  held.delete(file);
  const current = await fs.promises.readFile(file, 'utf8').catch(() => undefined);
  if (current === text) await fs.promises.rm(file, { force: true });
}

/** On exit (process.exit, the host closing the channel) nothing asynchronous runs any more. */
function releaseAllNow(): void {
  for (const [file, { text }] of held) {
    try {
      if (fs.readFileSync(file, 'utf8') === text) fs.unlinkSync(file);
    } catch {
      // Gone already, or unreadable: the next process judges it by its pid.
    }
  }
  held.clear();
}

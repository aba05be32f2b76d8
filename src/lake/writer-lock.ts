/**
 * One writer per lake (and one archiver per topic): a lock file naming its holder, held as a
 * lease (docs/PROTOCOL.md, "Writer rules" 1).
 *
 * - The lock is created put-if-absent with its whole content (temp file, fsync, link), so this
 *   code never leaves it empty or torn.
 * - Its holder renews the lease by setting the file's modification time every lease/4.
 * - A lock is stale when it is unreadable, when its process is gone (same host), or when it was not
 *   renewed for a whole lease (any host). A stale lock is taken over.
 * - Every removal of a lock file, takeover or release, first wins a break marker named after that
 *   file's content (`<lock>.break-<digest>.<n>`, put-if-absent) and then checks that the content
 *   is unchanged: of racing recoverers exactly one removes a given lock, and none removes a lock
 *   it did not judge. Only put-if-absent create, read, set-mtime, remove and list are used.
 */
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatLockRecord, LOCK_PROTOCOL, parseLockRecord, type LockHolder, type LockRecord } from './lock-record.js';
import type { LakeStorage, StoredText } from './storage/lake-storage.js';
import { localStorage } from './storage/local-storage.js';

/** The few operations of the lake's storage a lease lock uses. */
export type LockStorage = Pick<LakeStorage, 'engineLocation' | 'ensureDir' | 'createIfAbsent' | 'read' | 'touch' | 'remove' | 'list'>;

export type { LockHolder } from './lock-record.js';

export const DEFAULT_LEASE_MS = 120_000;
export const LEASE_ENV = 'SUBSNAP_LOCK_LEASE_MS';
/** How long an acquirer waits for another process that is taking over a stale lock. */
const TAKEOVER_WAIT_MS = 5_000;

export class WriterLockError extends Error {}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

export class LakeLockedError extends WriterLockError {
  constructor(readonly lockPath: string, readonly holder: LockHolder, leaseMs: number) {
    super(
      holder.token === ''
        ? `another subsnap process is taking over the stale lock ${lockPath}; try again in a moment`
        : `another subsnap run holds the lake (pid ${holder.pid} on ${holder.host}, since ${holder.since}); ` +
            `wait for it to finish (a lock its holder stops renewing is taken over ${seconds(leaseMs)} later, ` +
            `at once on its own host if its process is gone), or remove ${lockPath} if you are sure it is gone`,
    );
  }
}

/** This process's lock was taken over (its lease ran out) or is about to be: it must not commit. */
export class LockLostError extends WriterLockError {}

export interface WriterLock {
  release(): Promise<void>;
  /**
   * Throws LockLostError unless the lock file still carries this holder's record with a lease in
   * good health, then renews it. A writer calls it right before its commit point.
   */
  assertHeld(): Promise<void>;
}

export interface LockOptions {
  /** Default: SUBSNAP_LOCK_LEASE_MS, else 120 s. */
  leaseMs?: number;
  /** Runs when the lock record is durable in its temp file, before it is linked as the lock (a crash point). */
  beforeLink?: () => void;
  storage?: LockStorage;
}

export function leaseFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[LEASE_ENV];
  if (text === undefined || text === '') return DEFAULT_LEASE_MS;
  if (!/^\d+$/.test(text) || Number(text) < 10) {
    throw new WriterLockError(`${LEASE_ENV}: got ${JSON.stringify(text)}, expected a whole number of milliseconds, at least 10`);
  }
  return Number(text);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

type Verdict =
  | { stale: false; holder: LockHolder; leaseMs: number }
  | { stale: true; readable: boolean };

/** Whether the lock (or marker, or temp file) `file` may be removed; `leaseMs` for records of 0.1, which have none. */
function judge(file: StoredText, name: string, leaseMs: number, now = Date.now()): Verdict {
  const parsed = parseLockRecord(file.text);
  if (parsed.kind === 'newer') {
    throw new WriterLockError(
      `lock ${name} was written by a newer subsnap (lock protocol ${parsed.protocol}; this one reads up to ${LOCK_PROTOCOL}): upgrade subsnap`,
    );
  }
  if (parsed.kind === 'unreadable') return { stale: true, readable: false };
  const { holder } = parsed;
  const sameHost = holder.host === os.hostname();
  if (sameHost && !isAlive(holder.pid)) return { stale: true, readable: true };
  // subsnap 0.1 never renewed its lock: on its own host its live process is all the proof there is.
  if (sameHost && parsed.leaseMs === undefined) return { stale: false, holder, leaseMs };
  const lease = parsed.leaseMs ?? leaseMs;
  if (now - file.mtimeMs > lease) return { stale: true, readable: true };
  return { stale: false, holder, leaseMs: lease };
}

const holderOf = (file: StoredText | undefined): LockHolder => {
  const parsed = file && parseLockRecord(file.text);
  return parsed?.kind === 'holder' ? parsed.holder : { pid: 0, host: 'unknown', since: 'unknown', token: '' };
};

const newRecord = (leaseMs: number): LockRecord => ({
  protocol: LOCK_PROTOCOL,
  pid: process.pid,
  host: os.hostname(),
  since: new Date().toISOString(),
  token: `${process.pid}-${randomBytes(8).toString('hex')}`,
  leaseMs,
});

const markerPrefix = (lockPath: string, text: string) =>
  `${path.basename(lockPath)}.break-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.`;

/**
 * Removes the lock file if it still holds `text`. 'busy': another process is removing it now;
 * 'changed': it holds something else (or nothing).
 */
async function removeIfUnchanged(
  storage: LockStorage, lockPath: string, text: string, leaseMs: number,
): Promise<'removed' | 'changed' | 'busy'> {
  const dir = path.dirname(lockPath);
  const prefix = markerPrefix(lockPath, text);
  const generations = (await storage.list(dir))
    .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
    .map((name) => Number(name.slice(prefix.length)));
  const top = Math.max(0, ...generations);
  if (top > 0) {
    // A marker of a remover that died (or stalled past its lease) is superseded by the next generation.
    const marker = await storage.read(path.join(dir, `${prefix}${top}`));
    if (marker && !judge(marker, `${prefix}${top}`, leaseMs).stale) return 'busy';
  }
  const mine = path.join(dir, `${prefix}${top + 1}`);
  if (!(await storage.createIfAbsent(mine, formatLockRecord(newRecord(leaseMs))))) return 'busy';
  try {
    // Only the holder of the top marker removes a file with this content: it cannot change between this read and the removal.
    if ((await storage.read(lockPath))?.text !== text) return 'changed';
    await storage.remove(lockPath);
    return 'removed';
  } finally {
    for (let generation = top + 1; generation >= 1; generation--) await storage.remove(path.join(dir, `${prefix}${generation}`));
  }
}

/**
 * Temp files of creations that crashed before their link, and markers of removals that crashed,
 * once stale by the lock rules (a temp file still being written is unreadable: kept for a lease).
 */
async function removeStaleSiblings(storage: LockStorage, lockPath: string, heldText: string, leaseMs: number): Promise<void> {
  const dir = path.dirname(lockPath);
  const base = path.basename(lockPath);
  const ownMarkers = markerPrefix(lockPath, heldText);
  for (const name of await storage.list(dir)) {
    if (!(name.startsWith(`${base}.tmp-`) || name.startsWith(`${base}.break-`)) || name.startsWith(ownMarkers)) continue;
    const file = path.join(dir, name);
    try {
      const content = await storage.read(file);
      if (!content) continue;
      const verdict = judge(content, file, leaseMs);
      if (verdict.stale && (verdict.readable || Date.now() - content.mtimeMs > leaseMs)) await storage.remove(file);
    } catch {
      // Best effort: a leftover is harmless, and the next holder tries again.
    }
  }
}

class HeldLock implements WriterLock {
  private readonly timer: NodeJS.Timeout;
  private renewing: Promise<void> | undefined;
  private released = false;

  constructor(
    private readonly storage: LockStorage,
    private readonly lockPath: string,
    private readonly record: LockRecord,
    private readonly text: string,
  ) {
    this.timer = setInterval(() => {
      this.renewing ??= this.renew().finally(() => (this.renewing = undefined));
    }, Math.max(1, Math.floor(record.leaseMs / 4)));
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    try {
      // Never renew a lock that is no longer ours: that would extend another holder's lease.
      if ((await this.storage.read(this.lockPath))?.text !== this.text) clearInterval(this.timer);
      else await this.storage.touch(this.lockPath, new Date());
    } catch {
      // Retried at the next tick; assertHeld refuses a lease that ran low.
    }
  }

  async assertHeld(): Promise<void> {
    const current = await this.storage.read(this.lockPath);
    if (current?.text !== this.text) {
      const other = holderOf(current);
      throw new LockLostError(
        `lost the lock ${this.lockPath}: ` +
          (other.token ? `pid ${other.pid} on ${other.host} took it over at ${other.since}` : 'it was removed') +
          `, after this process (pid ${process.pid}) did not renew it for ${seconds(this.record.leaseMs)} ` +
          '(was it paused, or its storage unreachable?); stopping before the commit point: run again',
      );
    }
    // A lease this low could be judged expired before the renewal below lands.
    const age = Date.now() - current.mtimeMs;
    if (age > (this.record.leaseMs * 3) / 4) {
      throw new LockLostError(
        `the lease of lock ${this.lockPath} was not renewed for ${seconds(age)} (lease ${seconds(this.record.leaseMs)}): ` +
          'another process may be taking it over; stopping before the commit point: run again',
      );
    }
    await this.storage.touch(this.lockPath, new Date());
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    await this.renewing;
    // 'changed' or 'busy': taken over, or being taken over; nothing of ours to remove.
    await removeIfUnchanged(this.storage, this.lockPath, this.text, this.record.leaseMs);
  }
}

/** Takes the lock at `lockPath`, or throws LakeLockedError naming its live holder. */
export async function acquireWriterLock(lockPath: string, options: LockOptions = {}): Promise<WriterLock> {
  const storage = options.storage ?? localStorage;
  const leaseMs = options.leaseMs ?? leaseFromEnv();
  await storage.ensureDir(path.dirname(lockPath));
  const record = newRecord(leaseMs);
  const text = formatLockRecord(record);
  const deadline = Date.now() + TAKEOVER_WAIT_MS;
  while (!(await storage.createIfAbsent(lockPath, text, options.beforeLink))) {
    const current = await storage.read(lockPath);
    const verdict = current ? judge(current, lockPath, leaseMs) : undefined;
    if (verdict && !verdict.stale) throw new LakeLockedError(storage.engineLocation(lockPath), verdict.holder, verdict.leaseMs);
    const outcome = current ? await removeIfUnchanged(storage, lockPath, current.text, leaseMs) : 'changed';
    if (Date.now() > deadline) throw new LakeLockedError(storage.engineLocation(lockPath), holderOf(current), leaseMs);
    if (outcome === 'busy') await sleep(10 + Math.random() * 40);
  }
  await removeStaleSiblings(storage, lockPath, text, leaseMs);
  return new HeldLock(storage, lockPath, record, text);
}

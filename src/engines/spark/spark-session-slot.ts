/**
 * Spark Connect sessions kept from one subsnap process to the next. Spark keys its cache of
 * generated code by class loader and gives every Connect session its own, so a run in a new session
 * compiles all its generated classes again and runs them cold (0.8–1.0 s of a 100-record day).
 * A run instead takes a numbered slot of this machine and the session that slot names.
 *
 * A slot is held by a lock file (the lake writer lock's rules: taken over only when its process is
 * gone, never after a time), so two live processes never share a session: their temporary views
 * would mix. When every slot is busy the run gets a session of its own, as before.
 */
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireWriterLock, WriterLockError, type WriterLock } from '../../lake/writer-lock.js';
import type { SparkRemote } from './spark-remote.js';

/** Where slots live: SUBSNAP_SPARK_SESSIONS, else the user's cache folder. */
export function sessionSlotDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SUBSNAP_SPARK_SESSIONS) return env.SUBSNAP_SPARK_SESSIONS;
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'subsnap', 'spark-sessions');
}

/** Slots per server: concurrent runs beyond this get sessions of their own. */
export const SESSION_SLOTS = 4;
/**
 * A slot's lease: the longest whose renewal period (a quarter) a Node timer can hold, about 99 days.
 * So a slot is freed by its process's end, not by time.
 */
const NEVER = 4 * 0x7fffffff;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface SessionSlot {
  /** The session this slot names (a new one the first time). */
  sessionId: string;
  /** Names a new session for this slot (the server closed the old one) and returns it. */
  renew(): Promise<string>;
  release(): Promise<void>;
}

/**
 * A slot for sessions on `remote` by this build of the record probe (a session keeps the probe it
 * was given), or undefined when all are held by live processes.
 */
export async function claimSessionSlot(remote: SparkRemote, probeDigest: string, dir = sessionSlotDir()): Promise<SessionSlot | undefined> {
  const key = createHash('sha256').update(JSON.stringify([remote.display, remote.userId, remote.token ?? '', probeDigest])).digest('hex').slice(0, 24);
  for (let slot = 0; slot < SESSION_SLOTS; slot++) {
    const base = path.join(dir, `${key}-${slot}`);
    let lock: WriterLock;
    try {
      lock = await acquireWriterLock(`${base}.lock`, { leaseMs: NEVER });
    } catch (error) {
      if (error instanceof WriterLockError) continue;
      throw error;
    }
    return openSlot(`${base}.session`, lock);
  }
  return undefined;
}

async function openSlot(idFile: string, lock: WriterLock): Promise<SessionSlot> {
  const write = async () => {
    const id = randomUUID();
    const temp = `${idFile}.${process.pid}.tmp`;
    await fs.writeFile(temp, `${id}\n`);
    await fs.rename(temp, idFile);
    return id;
  };
  try {
    const stored = (await fs.readFile(idFile, 'utf8').catch(() => '')).trim();
    const slot: SessionSlot = {
      sessionId: UUID.test(stored) ? stored : await write(),
      async renew() {
        slot.sessionId = await write();
        return slot.sessionId;
      },
      release: () => lock.release(),
    };
    return slot;
  } catch (error) {
    await lock.release();
    throw error;
  }
}

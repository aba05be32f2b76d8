/**
 * Spark Connect sessions kept from one subsnap process to the next. Spark keys its cache of
 * generated code by class loader and gives every Connect session its own, so a run in a new session
 * compiles all its generated classes again and runs them cold (0.8–1.0 s of a 100-record day).
 * A run instead takes a numbered slot and the session that slot names.
 *
 * A slot is held by a lock file (the lake writer lock's rules: taken over only when its process is
 * gone, never after a time), so two live processes never share a session: their temporary views
 * would mix. The session's name is kept with the identity of the system that made it (host, boot,
 * process namespace): a copied folder (a cached home, an image, a cloned machine), or processes
 * whose liveness this one cannot see, never continue another system's session. When every slot is
 * busy the run gets a session of its own, as before.
 */
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs, readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { replaceDurable } from '../../lake/durable-fs.js';
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

const sessionRecordSchema = z.object({
  session: z.string().uuid(),
  host: z.string(),
  boot: z.string(),
  pidNamespace: z.string(),
});
type SessionRecord = z.infer<typeof sessionRecordSchema>;
type SystemIdentity = Omit<SessionRecord, 'session'>;

const readOr = (read: () => string) => {
  try {
    return read().trim();
  } catch {
    return '';
  }
};

/** This system as the slot's lock sees it: the host, this boot of it, and the process namespace. */
export function systemIdentity(): SystemIdentity {
  return {
    host: os.hostname(),
    boot: readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
    pidNamespace: readOr(() => readlinkSync('/proc/self/ns/pid')),
  };
}

export interface SessionSlot {
  /** Which slot (0 first). */
  index: number;
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
export async function claimSessionSlot(
  remote: SparkRemote, probeDigest: string, dir = sessionSlotDir(), identity = systemIdentity(),
): Promise<SessionSlot | undefined> {
  const key = createHash('sha256').update(JSON.stringify([remote.display, remote.userId, remote.token ?? '', probeDigest])).digest('hex').slice(0, 24);
  // Session names are credentials of a kind: the folder is the user's alone.
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  for (let index = 0; index < SESSION_SLOTS; index++) {
    const base = path.join(dir, `${key}-${index}`);
    let lock: WriterLock;
    try {
      lock = await acquireWriterLock(`${base}.lock`, { leaseMs: NEVER });
    } catch (error) {
      if (error instanceof WriterLockError) continue;
      throw error;
    }
    try {
      return await openSlot(index, `${base}.session`, lock, identity);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }
  return undefined;
}

/** The session a slot's file names, if it was made by this very system. */
async function storedSession(file: string, identity: SystemIdentity): Promise<string | undefined> {
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
  const parsed = sessionRecordSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const { session, ...madeBy } = parsed.data;
  return JSON.stringify(madeBy) === JSON.stringify(identity) ? session : undefined;
}

async function openSlot(index: number, file: string, lock: WriterLock, identity: SystemIdentity): Promise<SessionSlot> {
  let held = true;
  const write = async () => {
    const record: SessionRecord = { session: randomUUID(), ...identity };
    await replaceDurable(file, `${JSON.stringify(record)}\n`);
    return record.session;
  };
  const slot: SessionSlot = {
    index,
    sessionId: (await storedSession(file, identity)) ?? (await write()),
    async renew() {
      if (!held) throw new Error('renewing a session slot after releasing it');
      slot.sessionId = await write();
      return slot.sessionId;
    },
    async release() {
      held = false;
      await lock.release();
    },
  };
  return slot;
}

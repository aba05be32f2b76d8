/**
 * The content of a lock file (docs/PROTOCOL.md, "Writer rules"): who holds it and for how long a
 * lease. One zod schema is both its parser and its type.
 */
import { z } from 'zod';

export const LOCK_PROTOCOL = 1;

const holderFields = {
  pid: z.number().int().positive(),
  host: z.string().min(1),
  since: z.string(),
  /** Random per acquisition: tells this holder's lock from a later one of the same pid. */
  token: z.string().min(1),
};

// Unknown fields are ignored, not refused: a lock judged unreadable is taken over, so strictness
// here would break live locks; a change that matters raises the protocol.
export const lockRecordSchema = z.object({
  protocol: z.literal(LOCK_PROTOCOL),
  ...holderFields,
  /** The holder renews the file's modification time well within this; older means it stopped. */
  leaseMs: z.number().int().positive(),
});

/** What subsnap 0.1 wrote: no protocol, no lease (it never renewed its lock). */
const legacyLockSchema = z.object(holderFields);

export type LockRecord = z.infer<typeof lockRecordSchema>;
export type LockHolder = Pick<LockRecord, 'pid' | 'host' | 'since' | 'token'>;

export type ParsedLock =
  /** Empty, cut short or not a lock record: no live subsnap holds a lock like that. */
  | { kind: 'unreadable' }
  /** Written by a newer subsnap, whose rules this one cannot apply. */
  | { kind: 'newer'; protocol: number }
  /** `leaseMs` undefined: a record of subsnap 0.1, never renewed. */
  | { kind: 'holder'; holder: LockHolder; leaseMs: number | undefined };

export function parseLockRecord(text: string): ParsedLock {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'unreadable' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { kind: 'unreadable' };
  if (!('protocol' in json)) {
    const legacy = legacyLockSchema.safeParse(json);
    return legacy.success ? { kind: 'holder', holder: legacy.data, leaseMs: undefined } : { kind: 'unreadable' };
  }
  const { protocol } = json;
  if (typeof protocol === 'number' && Number.isInteger(protocol) && protocol > LOCK_PROTOCOL) return { kind: 'newer', protocol };
  const parsed = lockRecordSchema.safeParse(json);
  if (!parsed.success) return { kind: 'unreadable' };
  const { leaseMs, protocol: _, ...holder } = parsed.data;
  return { kind: 'holder', holder, leaseMs };
}

export const formatLockRecord = (record: LockRecord): string => `${JSON.stringify(record)}\n`;

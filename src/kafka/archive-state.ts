/**
 * The archive's state file, `journal/_archive/TOPIC.json` (docs/PROTOCOL.md, "The Kafka archive"):
 * per partition, the first offset not yet archived, and the gaps accepted with --accept-loss.
 * One zod schema is both its parser and its type; a state of a newer protocol is refused, a
 * damaged one is reported with its file and problem, never guessed at.
 */
import { z } from 'zod';

export const ARCHIVE_STATE_PROTOCOL = 1;

const MAX_OFFSET = 2n ** 63n - 1n;

/** A Kafka offset as a decimal string (offsets are 64-bit: JSON numbers would lose digits). */
const offset = z
  .string()
  .regex(/^(0|[1-9]\d*)$/, 'expected an offset: a decimal string such as "42"')
  // zod runs every check: this one must not trip over what the regex refused.
  .refine((v) => !/^\d+$/.test(v) || BigInt(v) <= MAX_OFFSET, 'offset beyond the 64-bit range');

const gap = z
  .object({
    partition: z.number().int().nonnegative(),
    /** First and last offsets that Kafka deleted (retention) before the archive read them. */
    first: offset,
    last: offset,
    recordedAt: z.string(),
  })
  .strict()
  .refine((g) => BigInt(g.first) <= BigInt(g.last), 'a gap must have first <= last');

export const archiveStateSchema = z
  .object({
    protocol: z.literal(ARCHIVE_STATE_PROTOCOL),
    topic: z.string().min(1),
    /** Per partition (decimal), the first offset not yet archived. */
    next: z.record(z.string().regex(/^(0|[1-9]\d{0,9})$/, 'expected a partition number'), offset),
    gaps: z.array(gap),
  })
  .strict();

export type ArchiveState = z.infer<typeof archiveStateSchema>;
export type ArchiveGap = ArchiveState['gaps'][number];

export class ArchiveStateError extends Error {}

export const emptyArchiveState = (topic: string): ArchiveState => ({ protocol: ARCHIVE_STATE_PROTOCOL, topic, next: {}, gaps: [] });

/**
 * What to do about a damaged state: it only records where the archive stands, which the segment
 * files' names also say.
 */
const REBUILD =
  'Restore it from a backup, or rebuild it: for each partition P, "next" is 1 + the highest LAST among the files ' +
  'TOPIC+P+FIRST+LAST.jsonl under journal/date=*/ and quarantine/archive/date=*/ (docs/PROTOCOL.md, "The Kafka archive")';

/** Parses the text of `file`, the state of `topic`. */
export function parseArchiveState(text: string, file: string, topic: string): ArchiveState {
  const damaged = (problem: string) => new ArchiveStateError(`archive state ${file} is damaged: ${problem}. ${REBUILD.replaceAll('TOPIC', topic)}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw damaged(`not valid JSON (${(error as Error).message})`);
  }
  // The protocol first: a newer writer may have changed everything else.
  const version = z.object({ protocol: z.number().int().positive() }).safeParse(json);
  if (version.success && version.data.protocol > ARCHIVE_STATE_PROTOCOL) {
    throw new ArchiveStateError(
      `archive state ${file} was written by a newer subsnap (archive protocol ${version.data.protocol}; this one knows ${ARCHIVE_STATE_PROTOCOL}): ` +
        `upgrade subsnap to archive topic ${topic} into this lake`,
    );
  }
  const parsed = archiveStateSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => {
      // A bad key of `next` carries its own issue (the key's); its message says more.
      const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
      return `${issue.path.length ? issue.path.join('.') : '(top level)'}: ${message}`;
    });
    throw damaged(issues.join('; '));
  }
  if (parsed.data.topic !== topic) throw damaged(`it holds the state of topic "${parsed.data.topic}", not of ${topic}`);
  return parsed.data;
}

export const formatArchiveState = (state: ArchiveState): string => `${JSON.stringify(state, null, 1)}\n`;

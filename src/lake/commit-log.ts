import path from 'node:path';
import { z } from 'zod';
import { commitPath, type LakeLayout } from './layout.js';
import { readFiles, type FileRead } from './storage/read-files.js';

/** The protocol of the commit records this version writes; it reads 1 up to this. */
export const COMMIT_PROTOCOL = 3;

/**
 * A file's content checksum, prefixed by its algorithm: `sha256:` + 64 hex digits on a local lake,
 * the file system's own on HDFS (`hdfs-MD5-of-0MD5-of-512CRC32C:` + hex, see lake-storage.ts).
 */
const checksum = z.string().regex(/^(sha256:[0-9a-f]{64}|hdfs-[A-Za-z0-9-]+:[0-9a-f]+)$/, 'expected sha256:HEX or hdfs-ALGORITHM:HEX');
/** Protocols 1 and 2 kept a SHA-256 digest under `sha256`; read as the checksum `sha256:…`. */
const legacySha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 digest: 64 lowercase hex digits');

const fileFields = { path: z.string().min(1), size: z.number().int().nonnegative() };
/** A journal file as folded by a commit: what makes a rerun a no-op and a changed file detectable. */
const consumedFields = { ...fileFields, date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD') };

const fileFingerprintSchema = z.object({ ...fileFields, checksum }).strict();
const consumedFileSchema = z.object({ ...consumedFields, checksum }).strict();
const legacyFingerprintSchema = z.object({ ...fileFields, sha256: legacySha256 }).strict()
  .transform(({ sha256, ...f }) => ({ ...f, checksum: `sha256:${sha256}` }));
const legacyConsumedSchema = z.object({ ...consumedFields, sha256: legacySha256 }).strict()
  .transform(({ sha256, ...f }) => ({ ...f, checksum: `sha256:${sha256}` }));

const columnSpecSchema = z.object({ name: z.string().min(1), type: z.string().min(1) }).strict();

/**
 * The commit record, written last; docs/PROTOCOL.md says what each field means. A field this
 * version does not know makes a record invalid, not ignored: within protocols 1 to 3 every field
 * is known, so an unknown one means a damaged or hand-edited record (a writer that adds a field
 * raises the protocol), and `rollback`, which copies a record, never carries one along unread.
 */
export const commitSchema = z.object({
  protocol: z.literal(COMMIT_PROTOCOL),
  version: z.number().int().positive(),
  parent: z.number().int().positive().nullable(),
  operation: z.enum(['run', 'backfill', 'rollback', 'migrate']),
  committedAt: z.iso.datetime({ offset: true }),
  engine: z.string().min(1),
  /** Relative to the lake root, posix separators. */
  snapshotPath: z.string().min(1),
  snapshotFiles: z.array(z.string().min(1)),
  quarantinePath: z.string().min(1).nullable(),
  consumed: z.array(consumedFileSchema),
  catalog: z.array(fileFingerprintSchema),
  policies: z.record(z.string(), z.string()),
  /** The record schema the version was built with (configuration, see the README); absent in early records. */
  schema: z.unknown().optional(),
  columns: z.array(columnSpecSchema),
  counts: z.record(z.string(), z.number()),
  /** How long the operation took, start to commit (protocol 3; absent in older records). */
  durationMs: z.number().int().nonnegative().optional(),
}).strict();

/** Records of protocols 1 and 2: the same fields, file checksums as `sha256` digests. */
const legacyCommitSchema = commitSchema.omit({ durationMs: true }).extend({
  protocol: z.union([z.literal(1), z.literal(2)]),
  consumed: z.array(legacyConsumedSchema),
  catalog: z.array(legacyFingerprintSchema),
});

export type Commit = Omit<z.infer<typeof commitSchema>, 'protocol'> & { protocol: 1 | 2 | 3 };
export type ConsumedFile = z.infer<typeof consumedFileSchema>;
export type FileFingerprint = z.infer<typeof fileFingerprintSchema>;
export type ColumnSpec = z.infer<typeof columnSpecSchema>;
/** What a writer passes to writeCommit: the protocol is the one this version writes. */
export type CommitDraft = Omit<Commit, 'protocol'>;

export class CommitLogError extends Error {}

/** A record of a newer protocol: this version cannot read the lake, whatever the command. */
export class CommitProtocolError extends CommitLogError {}

const issuesText = (error: z.ZodError) =>
  error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issue.message}`).join('; ');

/** Parses the text of the commit record `file`. */
export function parseCommit(text: string, file: string): Commit {
  const damaged = (problem: string) =>
    new CommitLogError(`commit record ${file} is damaged (${problem}): the commit log cannot be read; restore the file from a backup`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw damaged(`not valid JSON (${(error as Error).message})`);
  }
  // The protocol first: a newer writer may have changed everything else.
  const protocol = z.object({ protocol: z.number().int() }).safeParse(json);
  if (protocol.success && protocol.data.protocol > COMMIT_PROTOCOL) {
    throw new CommitProtocolError(
      `commit record ${file} was written by a newer subsnap (protocol ${protocol.data.protocol}; this one reads up to ${COMMIT_PROTOCOL}): upgrade subsnap`,
    );
  }
  const schema = protocol.success && protocol.data.protocol < COMMIT_PROTOCOL ? legacyCommitSchema : commitSchema;
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw damaged(issuesText(parsed.error));
  return parsed.data;
}

function checkedCommit(read: FileRead, version: number): Commit {
  const { file } = read;
  if ('error' in read) throw new CommitLogError(`commit record ${file} is unreadable (${read.error.message}); the log is damaged`);
  if (read.stored === undefined) throw new CommitLogError(`commit record ${file} is unreadable (it is gone); the log is damaged`);
  const commit = parseCommit(read.stored.text, file);
  if (commit.version !== version) {
    throw new CommitLogError(
      `commit record ${file} is damaged (version: it says ${commit.version}, its name ${version}): the commit log cannot be read; restore the file from a backup`,
    );
  }
  return commit;
}

const gap = (index: number, name: string) => new CommitLogError(`commit log has a gap: expected version ${index + 1}, found ${name}`);

/**
 * All commits, oldest first; the log must be the contiguous versions 1..N. `known`: commits this
 * process read earlier from the same log (versions 1..K, which never change): only the records
 * after them are read. Records are checked in version order: the first problem is the one reported.
 */
export async function readCommits(layout: LakeLayout, known: readonly Commit[] = []): Promise<Commit[]> {
  const names = await layout.storage.list(layout.log);
  const versions = names.filter((n) => /^\d{8}\.json$/.test(n)).sort();
  // The first version out of place: the records before it are read, then it is reported.
  const gapAt = versions.findIndex((name, index) => Number(name.slice(0, 8)) !== index + 1);
  if (gapAt >= 0 && gapAt < known.length) throw gap(gapAt, versions[gapAt]!);
  if (versions.length < known.length) {
    throw new CommitLogError(`commit log lost records: ${known.length} were read, ${versions.length} are listed`);
  }
  const contiguous = gapAt < 0 ? versions.length : gapAt;
  const reads = await readFiles(layout.storage, versions.slice(known.length, contiguous).map((name) => path.join(layout.log, name)));
  const commits = [...known, ...reads.map((read, i) => checkedCommit(read, known.length + i + 1))];
  if (gapAt >= 0) throw gap(gapAt, versions[gapAt]!);
  return commits;
}

export class ConcurrentCommitError extends CommitLogError {}

/**
 * Publish a commit, in this version's protocol; fails if that version exists (another writer
 * won), never overwrites. A record that would not read back is refused before anything is written.
 */
export async function writeCommit(layout: LakeLayout, draft: CommitDraft): Promise<void> {
  const checked = commitSchema.safeParse({ ...draft, protocol: COMMIT_PROTOCOL });
  if (!checked.success) {
    throw new CommitLogError(`refusing to write commit record ${draft.version}, which no reader would accept: ${issuesText(checked.error)}`);
  }
  await layout.storage.ensureDir(layout.log);
  if (!(await layout.storage.createIfAbsent(commitPath(layout, draft.version), `${JSON.stringify(checked.data, null, 1)}\n`))) {
    throw new ConcurrentCommitError(`version ${draft.version} was committed by another writer; nothing was committed`);
  }
}

/** Every journal file folded into the chain ending at `commits`' last version, by path. */
export function consumedFiles(commits: Commit[]): Map<string, ConsumedFile> {
  const consumed = new Map<string, ConsumedFile>();
  for (const commit of commits) for (const file of commit.consumed) consumed.set(file.path, file);
  return consumed;
}

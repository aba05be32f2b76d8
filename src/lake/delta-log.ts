/**
 * The snapshot as a Delta Lake table (docs/PROTOCOL.md, "The Delta log"): `snapshot/` is the table
 * root, and every committed version N is Delta version N − 1, written to
 * `snapshot/_delta_log/NNNNNNNNNNNNNNNNNNNN.json` from its commit record. The commit record stays the
 * one commit point; a Delta entry is derived from it (and from the sizes and times of the files it
 * names), the same bytes whoever writes it, so a writer that finds entries missing (a crash right
 * after a commit, a lake older than the Delta log) writes them, in order.
 *
 * Each version holds the whole table: an entry removes the files of the version before it that it
 * does not hold and adds those it holds that the version before did not (a rollback adds the files
 * of the version it restores, which still exist).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ColumnSpec, Commit } from './commit-log.js';
import type { LakeLayout } from './layout.js';

/** Delta versions are the commit log's versions minus one. */
export const deltaVersion = (version: number) => version - 1;

export const deltaLogDir = (layout: LakeLayout) => path.join(layout.snapshot, '_delta_log');

export const deltaEntryName = (deltaVersionNumber: number) => `${String(deltaVersionNumber).padStart(20, '0')}.json`;

/** A data file of a version, as the Delta log names it. */
export interface DeltaFile {
  /** Relative to the table root (`snapshot/`), percent-encoded as the protocol's URI paths are. */
  path: string;
  size: number;
  modificationTime: number;
}

/** A column type the Delta log has no type for (see deltaSchemaProblem). */
export class DeltaTypeError extends Error {}

/**
 * The Delta type of a column type as the commit log records it (column-types.ts). A type outside
 * the list cannot be written as Delta: an error, never a guess.
 */
function deltaType(type: string): unknown {
  const simple: Record<string, string> = {
    bigint: 'long', int: 'integer', smallint: 'short', tinyint: 'byte', string: 'string', boolean: 'boolean',
    date: 'date', double: 'double', float: 'float',
  };
  if (simple[type]) return simple[type];
  const decimal = /^decimal\((\d+),(\d+)\)$/.exec(type);
  if (decimal) return `decimal(${decimal[1]},${decimal[2]})`;
  const map = /^map<(.+),(.+)>$/.exec(type);
  if (map) return { type: 'map', keyType: deltaType(map[1]!), valueType: deltaType(map[2]!), valueContainsNull: true };
  throw new DeltaTypeError(`column type ${type} has no Delta Lake type`);
}

/**
 * Why the Delta log could not describe a version of these columns (a catalog column of a type
 * without a Delta type, e.g. a timestamp or a list), or undefined: writers check it before they
 * commit, so every committed version has its Delta entry.
 */
export function deltaSchemaProblem(columns: ColumnSpec[]): string | undefined {
  for (const c of columns) {
    try {
      deltaType(c.type);
    } catch (error) {
      if (error instanceof DeltaTypeError) return `column ${c.name} has type ${c.type}, which the snapshot's Delta log cannot describe`;
      throw error;
    }
  }
  return undefined;
}

/** The `schemaString` of a version's columns: every column nullable (the Parquet files' columns are optional). */
export function deltaSchemaString(columns: ColumnSpec[]): string {
  return JSON.stringify({
    type: 'struct',
    fields: columns.map((c) => ({ name: c.name, type: deltaType(c.type), nullable: true, metadata: {} })),
  });
}

/** Every byte of a path segment but unreserved characters percent-encoded (RFC 3986 unreserved; legal RFC 2396). */
export const deltaPath = (relative: string) =>
  relative.split('/').map((segment) => [...Buffer.from(segment, 'utf8')]
    .map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('')).join('/');

/**
 * The table's identity, the same for every writer: a UUID drawn from the first commit's time (the
 * first commit record never changes).
 */
export function deltaTableId(first: Commit): string {
  const hex = createHash('sha256').update(`subsnap table ${first.committedAt}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Retention far beyond any use: another engine's VACUUM must not delete the folders of older
 * versions, which `subsnap rollback` and time travel still read (subsnap's own vacuum removes them).
 */
const CONFIGURATION = {
  'delta.deletedFileRetentionDuration': 'interval 36500 days',
  'delta.logRetentionDuration': 'interval 36500 days',
};

const OPERATIONS: Record<Commit['operation'], string> = { run: 'WRITE', backfill: 'WRITE', migrate: 'WRITE', rollback: 'RESTORE' };

export interface DeltaEntryInput {
  commit: Commit;
  /** The commit of the version before (absent for the first). */
  previous: Commit | undefined;
  files: DeltaFile[];
  previousFiles: DeltaFile[];
  tableId: string;
  engineInfo: string;
}

/** The actions of one Delta entry, in the order written: commitInfo, protocol and metaData when needed, removes, adds. */
export function deltaEntryActions(input: DeltaEntryInput): object[] {
  const { commit, previous } = input;
  const timestamp = Date.parse(commit.committedAt);
  const schema = deltaSchemaString(commit.columns);
  const tags: Record<string, string> = { 'subsnap.version': String(commit.version), 'subsnap.operation': commit.operation };
  if (commit.parent !== null) tags['subsnap.parent'] = String(commit.parent);
  for (const [name, value] of Object.entries(commit.counts)) tags[`subsnap.counts.${name}`] = String(value);
  const actions: object[] = [{
    commitInfo: {
      timestamp,
      operation: OPERATIONS[commit.operation],
      operationParameters: commit.operation === 'rollback' ? { version: String(deltaVersion(commit.parent!)) } : { mode: 'Overwrite' },
      engineInfo: input.engineInfo,
      tags,
    },
  }];
  if (!previous) actions.push({ protocol: { minReaderVersion: 1, minWriterVersion: 2 } });
  if (!previous || deltaSchemaString(previous.columns) !== schema) {
    actions.push({
      metaData: {
        id: input.tableId, format: { provider: 'parquet', options: {} }, schemaString: schema, partitionColumns: [],
        configuration: CONFIGURATION, createdTime: timestamp,
      },
    });
  }
  const now = new Set(input.files.map((f) => f.path));
  const before = new Set(input.previousFiles.map((f) => f.path));
  for (const f of input.previousFiles.filter((f) => !now.has(f.path))) {
    actions.push({ remove: { path: f.path, deletionTimestamp: timestamp, dataChange: true, extendedFileMetadata: true, partitionValues: {}, size: f.size } });
  }
  for (const f of input.files.filter((f) => !before.has(f.path))) {
    actions.push({ add: { path: f.path, partitionValues: {}, size: f.size, modificationTime: f.modificationTime, dataChange: true } });
  }
  return actions;
}

/** An entry's bytes: one action per line. */
export const deltaEntryText = (actions: object[]) => `${actions.map((a) => JSON.stringify(a)).join('\n')}\n`;

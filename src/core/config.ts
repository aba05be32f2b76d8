import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DEFAULT_POLICIES, DUPLICATES_POLICIES, NULLS_POLICIES, PII_POLICIES, type Policies } from './policies.js';
import { DEFAULT_SCHEMA, schemaProblems, type RecordSchema } from './record-schema.js';
import { parseMemorySize } from './memory-size.js';
import { nearestName } from './near-name.js';
import { DEFAULT_MAX_REJECTED_SHARE } from './reject-threshold.js';
import { parseHdfsUri } from '../lake/lake-location.js';

export const ENGINES = ['duckdb', 'spark'] as const;
export type EngineName = (typeof ENGINES)[number];

const fieldType = z.string().regex(/^(bigint|boolean|string|date|decimal\(\d+,\d+\))$/, {
  message: 'expected one of bigint, boolean, string, date, decimal(p,s)',
});

const schemaConfig = z
  .object({
    key: z.string().min(1),
    fields: z.array(z.object({ name: z.string().min(1), type: fieldType }).strict()).min(1),
    pii: z.array(z.string()).default([]),
    joinField: z.string().min(1),
    interval: z.object({ start: z.string(), end: z.string() }).strict().optional(),
    orderField: z.string().min(1).optional(),
  })
  .strict();

/** Everything a user may set in `subsnap.config.json`; flags override it field by field. */
const configFile = z
  .object({
    lake: z.string().optional(),
    engine: z.enum(ENGINES).optional(),
    pii: z.enum(PII_POLICIES).optional(),
    piiKeyEnv: z.string().optional(),
    piiKeyFile: z.string().optional(),
    duplicates: z.enum(DUPLICATES_POLICIES).optional(),
    nulls: z.enum(NULLS_POLICIES).optional(),
    schema: schemaConfig.optional(),
    memoryLimit: z.string().refine((v) => parseMemorySize(v) !== undefined, 'expected a size such as 2GB or 1500MiB').optional(),
    threads: z.number().int().positive().optional(),
    readChunkBytes: z.number().int().positive().optional(),
    sparkRemote: z.string().optional(),
    webhdfs: z.string().optional(),
    maxRejectedShare: z.number().min(0).max(1).optional(),
    broadcastJournalBytes: z.number().int().min(0).optional(),
  })
  .strict();

export type ConfigInput = z.input<typeof configFile>;

export interface Config {
  /** The lake: an absolute local path, or an HDFS folder as `hdfs://HOST:PORT/path` (see lakeOf). */
  lake: string;
  /** An HDFS lake's WebHDFS address, when not the default (lake-location.ts). */
  webhdfs?: string;
  engine: EngineName;
  policies: Policies;
  piiKeyEnv: string;
  piiKeyFile?: string;
  schema: RecordSchema;
  /** Memory for the whole run (the embedded engine gets a share of it and spills beyond). */
  memoryLimit?: string;
  threads?: number;
  /** Size of the pieces a line-delimited journal file is read in (bounds memory per reading thread). */
  readChunkBytes?: number;
  sparkRemote?: string;
  /** Journal bytes up to which the day's keys are broadcast to filter the previous version (see fold-and-commit.ts). */
  broadcastJournalBytes?: number;
  /** A run whose rejected share of input records, or of one journal date's, exceeds this commits nothing (fail closed). */
  maxRejectedShare: number;
  /** The file the configuration came from, if any. */
  source?: string;
}

export class ConfigError extends Error {}

export const DEFAULT_CONFIG_FILE = 'subsnap.config.json';

/** The keys the object at `at` (a path into the configuration) may have, from the zod schema itself. */
function knownKeysAt(schema: z.ZodType, at: PropertyKey[]): string[] {
  let node: z.ZodType = schema;
  for (let i = 0; ; i++) {
    while (node instanceof z.ZodOptional || node instanceof z.ZodDefault) node = node.unwrap() as z.ZodType;
    if (i === at.length) return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
    const step = at[i];
    if (node instanceof z.ZodArray && typeof step === 'number') node = node.element as z.ZodType;
    else if (node instanceof z.ZodObject && typeof step === 'string' && step in node.shape) node = node.shape[step] as z.ZodType;
    else return [];
  }
}

function describeIssues(error: z.ZodError, where: string, input: unknown): string {
  const lines = error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      // An unknown key is most often a typo: name the nearest known key, else list them all.
      const known = knownKeysAt(configFile, issue.path);
      return issue.keys.map((key) => {
        const at = [...issue.path, key].join('.');
        const near = nearestName(key, known);
        if (near) return `  ${at}: unknown key, did you mean "${near}"?`;
        return `  ${at}: unknown key${known.length ? `; expected one of ${known.join(', ')}` : ''}`;
      });
    }
    const at = issue.path.length ? issue.path.join('.') : '(top level)';
    const value = issue.path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), input);
    const got = issue.path.length && value !== undefined ? `got ${JSON.stringify(value)}, ` : '';
    return [`  ${at}: ${got}${issue.message}`];
  });
  return `invalid configuration in ${where}:\n${lines.join('\n')}`;
}

/**
 * The lake of a `lake` setting: a path (relative to `base`) or a file:// URI as an absolute local
 * path; an HDFS folder (hdfs://HOST:PORT/path) checked and kept as a URI; any other URI is refused.
 */
function lakeSetting(value: string, base: string): string {
  if (/^file:/i.test(value)) return fileURLToPath(value);
  if (/^hdfs:/i.test(value)) {
    try {
      const { fsUri, root } = parseHdfsUri(value);
      return `${fsUri}${root}`;
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
  }
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(value)) throw new ConfigError(`lake ${value}: a lake is a local folder (a path or a file:// URI) or hdfs://HOST:PORT/path`);
  return path.resolve(base, value);
}

/** Reads the config file (explicit, or `./subsnap.config.json` if present) and applies overrides. */
export async function loadConfig(options: { configPath?: string; overrides?: ConfigInput; cwd?: string }): Promise<Config> {
  const cwd = options.cwd ?? process.cwd();
  let fromFile: ConfigInput = {};
  let source: string | undefined;
  const candidate = options.configPath ?? path.join(cwd, DEFAULT_CONFIG_FILE);
  try {
    const text = await fs.readFile(candidate, 'utf8');
    source = path.resolve(candidate);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(`configuration ${source} is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = configFile.safeParse(json);
    if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, source, json));
    fromFile = parsed.data;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || options.configPath) {
      throw new ConfigError(`cannot read configuration ${candidate}: ${(error as Error).message}`);
    }
  }
  const given = stripUndefined(options.overrides ?? {});
  const overrides = configFile.safeParse(given);
  if (!overrides.success) throw new ConfigError(describeIssues(overrides.error, 'command-line options', given));
  const merged = { ...fromFile, ...overrides.data };
  // Paths in a config file are relative to that file; paths from flags are relative to the cwd.
  const base = (key: keyof ConfigInput) => (overrides.data[key] !== undefined || !source ? cwd : path.dirname(source));
  const schema = (merged.schema as RecordSchema | undefined) ?? DEFAULT_SCHEMA;
  const problems = schemaProblems(schema);
  if (problems.length) throw new ConfigError(`invalid record schema:\n  ${problems.join('\n  ')}`);
  const lake = lakeSetting(merged.lake ?? 'lake', base('lake'));
  const onCluster = /^hdfs:/i.test(lake);
  if (onCluster && merged.engine === 'duckdb') {
    throw new ConfigError(`lake ${lake}: the embedded engine (duckdb) reads a local lake only; an HDFS lake is read and written by the spark engine (--engine spark, the default for it)`);
  }
  return {
    lake,
    webhdfs: merged.webhdfs,
    engine: merged.engine ?? (onCluster ? 'spark' : 'duckdb'),
    policies: {
      pii: merged.pii ?? DEFAULT_POLICIES.pii,
      duplicates: merged.duplicates ?? DEFAULT_POLICIES.duplicates,
      nulls: merged.nulls ?? DEFAULT_POLICIES.nulls,
    },
    piiKeyEnv: merged.piiKeyEnv ?? 'SUBSNAP_PII_KEY',
    piiKeyFile: merged.piiKeyFile ? path.resolve(base('piiKeyFile'), merged.piiKeyFile) : undefined,
    schema,
    memoryLimit: merged.memoryLimit,
    threads: merged.threads,
    readChunkBytes: merged.readChunkBytes,
    sparkRemote: merged.sparkRemote,
    maxRejectedShare: merged.maxRejectedShare ?? DEFAULT_MAX_REJECTED_SHARE,
    broadcastJournalBytes: merged.broadcastJournalBytes,
    source,
  };
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

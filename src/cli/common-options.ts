/** Options several commands share, and how they become a `Config`. */
import { Command, Option } from 'commander';
import { loadConfig, ENGINES, type Config, type ConfigInput } from '../core/config.js';
import { DUPLICATES_POLICIES, NULLS_POLICIES, PII_POLICIES } from '../core/policies.js';
import type { Progress } from '../core/fold-and-commit.js';
import { formatReport, type RunReport } from '../core/run-report.js';
import type { Engine } from '../engines/engine.js';
import { openLake } from '../lake/lake-location.js';
import { requireLakeRoot } from '../lake/lake-root.js';
import type { LakeLayout } from '../lake/layout.js';
import { openEngine } from './open-engine.js';
import { int, share } from './parsers.js';
import { progressReporter } from './progress.js';

export interface CommonFlags {
  lake?: string;
  config?: string;
  engine?: string;
  pii?: string;
  piiKeyFile?: string;
  duplicates?: string;
  nulls?: string;
  memoryLimit?: string;
  threads?: number;
  sparkRemote?: string;
  webhdfs?: string;
  maxRejectedShare?: number;
}

export function withCommon<C extends Command>(command: C): C {
  return command
    .option('--lake <dir>', 'the lake: a folder (default ./lake, or "lake" in the config file) or hdfs://HOST:PORT/path')
    .option('--webhdfs <url>', "an HDFS lake's WebHDFS address, http://HOST:PORT (default: env SUBSNAP_WEBHDFS, the cluster of `subsnap hdfs start`, else port 9870 of the NameNode's host)")
    .option('--config <file>', 'configuration file (default ./subsnap.config.json when present)');
}

/** Commands that only read a version: the engine that reads it (the embedded one for a local lake). */
export function withReader<C extends Command>(command: C): C {
  return command
    .addOption(new Option('--engine <name>', 'engine that reads the version (default duckdb; spark for an HDFS lake)').choices(ENGINES))
    .option('--spark-remote <url>', 'Spark Connect endpoint for --engine spark (default sc://127.0.0.1:15002, or env SPARK_REMOTE)');
}

/** The engine and the policies: commands that fold or rewrite a snapshot. */
export function withPolicies<C extends Command>(command: C): C {
  return command
    .addOption(new Option('--engine <name>', 'execution engine (default duckdb; spark for an HDFS lake)').choices(ENGINES))
    .addOption(new Option('--pii <policy>', 'PII handling (default drop)').choices(PII_POLICIES))
    .option('--pii-key-file <file>', 'file holding the HMAC key for --pii hash (else env SUBSNAP_PII_KEY)')
    .addOption(new Option('--duplicates <policy>', 'same-key records of one day (default last)').choices(DUPLICATES_POLICIES))
    .addOption(new Option('--nulls <policy>', 'null fields of a newer record (default overwrite)').choices(NULLS_POLICIES))
    .option('--memory-limit <size>', 'memory for the whole run, e.g. 2GB: DuckDB gets half of it and spills to disk beyond')
    .option('--threads <n>', 'engine threads', int(1))
    .option('--spark-remote <url>', 'Spark Connect endpoint for --engine spark (default sc://127.0.0.1:15002, or env SPARK_REMOTE)');
}

/** Commands that read journal records: how large a rejected share still commits. */
export function withRejectedShare<C extends Command>(command: C): C {
  return command.option(
    '--max-rejected-share <share>',
    'commit nothing when more than this share of the input records, or of one journal date\'s, is rejected (0..1; default 0.1, or "maxRejectedShare" in the config file)',
    share,
  );
}

/** The configuration: the config file, overridden by the flags given. */
export async function configFrom(flags: CommonFlags): Promise<Config> {
  const overrides: ConfigInput = {
    lake: flags.lake,
    engine: flags.engine as ConfigInput['engine'],
    pii: flags.pii as ConfigInput['pii'],
    piiKeyFile: flags.piiKeyFile,
    duplicates: flags.duplicates as ConfigInput['duplicates'],
    nulls: flags.nulls as ConfigInput['nulls'],
    memoryLimit: flags.memoryLimit,
    threads: flags.threads,
    sparkRemote: flags.sparkRemote,
    webhdfs: flags.webhdfs,
    maxRejectedShare: flags.maxRejectedShare,
  };
  return loadConfig({ configPath: flags.config, overrides });
}

/**
 * The configuration of a command that works inside an existing lake. A lake folder that does not
 * exist is an error before anything else happens, so a mistyped --lake creates nothing.
 * `create` says how a new lake comes to be for this command.
 */
export async function lakeConfigFrom(flags: CommonFlags, create = 'create it with `subsnap generate`'): Promise<{ config: Config; lake: LakeLayout }> {
  const config = await configFrom(flags);
  const where = flags.lake === undefined && config.source ? ` (or "lake" in ${config.source})` : '';
  const lake = await openLake(config);
  await requireLakeRoot(lake, `${create} or check --lake${where}`);
  return { config, lake };
}

/** Opens the configured engine, runs one writing operation with a progress display, prints its report. */
export async function reportWithEngine(
  flags: CommonFlags & { json?: boolean },
  operation: (config: Config, engine: Engine, onProgress: Progress) => Promise<RunReport>,
): Promise<void> {
  const { config } = await lakeConfigFrom(flags);
  const engine = openEngine(config);
  const progress = progressReporter(!flags.json);
  try {
    const report = await operation(config, engine, progress.onProgress);
    progress.stop();
    console.log(flags.json ? JSON.stringify(report) : formatReport(report));
  } finally {
    progress.stop();
    await engine.close();
  }
}

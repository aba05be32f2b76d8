import { Command, InvalidArgumentError, Option } from 'commander';
import path from 'node:path';
import { loadConfig, ENGINES, type Config, type ConfigInput } from '../core/config.js';
import { resolveVersion } from '../core/lake-history.js';
import { DUPLICATES_POLICIES, NULLS_POLICIES, PII_POLICIES } from '../core/policies.js';
import { formatReport, type RunReport } from '../core/run-report.js';
import type { Progress } from '../core/fold-and-commit.js';
import type { Engine } from '../engines/engine.js';
import { runSnapshot } from '../core/run-snapshot.js';
import { backfillSnapshot } from '../core/backfill.js';
import { migrateSnapshot } from '../core/migrate.js';
import { rollbackTo } from '../core/rollback.js';
import { vacuumLake } from '../core/vacuum.js';
import { validateSnapshot } from '../core/validate-snapshot.js';
import { isCalendarDate } from '../lake/journal-files.js';
import { catalogEntries, writeCatalog } from '../generate/catalog.js';
import { writeJournal } from '../generate/journal.js';
import { openEngine } from './open-engine.js';
import type { ArchiveReport } from '../kafka/archive-topic.js';
import { parseBrokers } from '../kafka/broker-list.js';
import { DEFAULT_SERVER, defaultStateDir } from '../engines/spark/spark-server-options.js';
import { progressReporter } from './progress.js';
import { formatLog, formatRows, plainRow } from './tables.js';

const day = (value: string) => {
  if (!isCalendarDate(value)) throw new InvalidArgumentError(`got ${value}, expected a date YYYY-MM-DD`);
  return value;
};
const int = (min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`got ${value}, expected an integer >= ${min}`);
  return n;
};
const rate = (value: string) => {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError(`got ${value}, expected a number between 0 and 1`);
  return n;
};

interface CommonFlags {
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
}

function withCommon(command: Command): Command {
  return command
    .option('--lake <dir>', 'the lake folder (default ./lake, or "lake" in the config file)')
    .option('--config <file>', 'configuration file (default ./subsnap.config.json when present)');
}

function withPolicies(command: Command): Command {
  return command
    .addOption(new Option('--engine <name>', 'execution engine (default duckdb)').choices(ENGINES))
    .addOption(new Option('--pii <policy>', 'PII handling (default drop)').choices(PII_POLICIES))
    .option('--pii-key-file <file>', "file holding the HMAC key for --pii hash (else env SUBSNAP_PII_KEY)")
    .addOption(new Option('--duplicates <policy>', 'same-key records of one day (default last)').choices(DUPLICATES_POLICIES))
    .addOption(new Option('--nulls <policy>', 'null fields of a newer record (default overwrite)').choices(NULLS_POLICIES))
    .option('--memory-limit <size>', 'memory for the whole run, e.g. 2GB: DuckDB gets half of it and spills to disk beyond')
    .option('--threads <n>', 'engine threads', int(1))
    .option('--spark-remote <url>', 'Spark Connect endpoint for --engine spark (default sc://127.0.0.1:15002, or env SPARK_REMOTE)');
}

async function configFrom(flags: CommonFlags): Promise<Config> {
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
  };
  return loadConfig({ configPath: flags.config, overrides });
}

/** Opens the configured engine, runs one writing operation with a progress display, prints its report. */
async function reportWithEngine(
  flags: CommonFlags & { json?: boolean },
  operation: (config: Config, engine: Engine, onProgress: Progress) => Promise<RunReport>,
): Promise<void> {
  const config = await configFrom(flags);
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

export function buildProgram(): Command {
  const program = new Command('subsnap')
    .description('Fold a daily journal of subscription records into an enriched, versioned Parquet snapshot')
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });

  withCommon(program.command('generate'))
    .description('write deterministic journal days and the 10-type subscription catalog into the lake')
    .option('--seed <n>', 'random seed', int(0), 42)
    .option('--start <date>', 'first journal day', day, '2024-01-01')
    .option('--days <n>', 'number of consecutive days', int(1), 3)
    .option('--day <date>', 'write this one day only (the bytes a full generation writes for it)', day)
    .option('--records <n>', 'records per day', int(1), 100)
    .option('--id-max <n>', 'Ids are drawn from id-min..N', int(1), 250)
    .option('--files-per-day <n>', 'split each day into this many files', int(1), 1)
    .option('--dirty-rate <r>', 'share of bad records of every kind', rate, 0)
    .option('--duplicate-rate <r>', 'share of same-day duplicate records', rate)
    .option('--id-min <n>', 'Ids are drawn from N..id-max', int(0), 1)
    .option('--sequential-ids', 'Ids id-min, id-min+1, ... in order (distinct keys, e.g. an initial load)')
    .option('--null-rate <r>', 'share of records with null fields', rate)
    .option('--no-catalog', 'do not (re)write the catalog')
    .option('--to-kafka', 'produce the records to a Kafka topic (keyed by Id, timestamped in their day) instead of writing journal files')
    .option('--brokers <list>', 'with --to-kafka: bootstrap brokers host:port[,host:port...]')
    .option('--topic <name>', 'with --to-kafka: the topic', 'subscriptions')
    .option('--partitions <n>', 'with --to-kafka: partitions of the topic if it is created', int(1), 3)
    .option('--json', 'print a JSON summary')
    .action(async (flags) => {
      const config = await configFrom(flags);
      // A day's content depends only on the seed, its date and the volume options, so one day alone
      // is written as a one-day generation starting on that day.
      const options = {
        seed: flags.seed,
        start: flags.day ?? flags.start,
        days: flags.day ? 1 : flags.days,
        recordsPerDay: flags.records,
        idMin: flags.idMin,
        idMax: flags.idMax,
        sequentialIds: Boolean(flags.sequentialIds),
        nullRate: flags.nullRate,
        filesPerDay: flags.filesPerDay,
        dirtyRate: flags.dirtyRate,
        duplicateRate: flags.duplicateRate,
      };
      if (flags.toKafka) {
        if (!flags.brokers) throw new InvalidArgumentError('--to-kafka needs --brokers');
        const { produceJournal } = await import('../kafka/produce-journal.js');
        const sent = await produceJournal(options, flags.day, { brokers: parseBrokers(flags.brokers), topic: flags.topic, partitions: flags.partitions });
        const catalog = flags.catalog ? await writeCatalog(path.join(config.lake, 'catalog'), catalogEntries(flags.seed)) : null;
        if (flags.json) console.log(JSON.stringify({ ...sent, catalog }));
        else console.log(`produced ${sent.records} records to topic ${sent.topic} (${sent.days.join(', ')})${catalog ? `; wrote the catalog ${catalog}` : ''}`);
        return;
      }
      const result = await writeJournal(config.lake, options, flags.day);
      const catalog = flags.catalog ? await writeCatalog(path.join(config.lake, 'catalog'), catalogEntries(flags.seed)) : null;
      const summary = { lake: config.lake, files: result.files, records: result.records, catalog };
      if (flags.json) console.log(JSON.stringify(summary));
      else {
        console.log(`wrote ${result.records} journal records in ${result.files.length} file(s) under ${path.join(config.lake, 'journal')}`);
        if (catalog) console.log(`wrote the catalog ${catalog}`);
      }
    });

  withCommon(program.command('archive'))
    .description("archive a Kafka topic into the lake's journal: one NDJSON file per day and offset range, offsets committed once the files are durable")
    .requiredOption('--brokers <list>', 'bootstrap brokers host:port[,host:port...]')
    .requiredOption('--topic <name>', 'the topic of journal records')
    .option('--group <id>', 'consumer group', 'subsnap-archive')
    .option('--until-idle <seconds>', 'stop once no message arrived for this long (default 10)', Number)
    .option('--follow', 'keep consuming until interrupted (SIGINT/SIGTERM write what is pending, then stop)')
    .option('--flush-interval <seconds>', 'with --follow: write a segment at the latest this long after its first message', Number, 60)
    .option('--segment-records <n>', 'offsets per file (files are cut at multiples of it)', int(1), 100_000)
    .option('--day-field <name>', "the record's field that names its day (default: the message timestamp, UTC)")
    .option('--accept-loss', "go on when Kafka's retention already deleted offsets never archived, recording the gap")
    .option('--json', 'print the report as JSON')
    .action(async (flags) => {
      if (flags.follow && flags.untilIdle !== undefined) throw new InvalidArgumentError('--follow and --until-idle exclude each other');
      const config = await configFrom(flags);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const { archiveTopic } = await import('../kafka/archive-topic.js');
        const report = await archiveTopic({
          lake: config.lake,
          brokers: parseBrokers(flags.brokers),
          topic: flags.topic,
          group: flags.group,
          mode: flags.follow ? { kind: 'follow', flushMs: flags.flushInterval * 1000 } : { kind: 'until-idle', idleMs: (flags.untilIdle ?? 10) * 1000 },
          segmentRecords: flags.segmentRecords,
          dayRule: flags.dayField ? { kind: 'field', field: flags.dayField } : { kind: 'timestamp' },
          acceptLoss: Boolean(flags.acceptLoss),
          signal: controller.signal,
          onSegment: flags.json ? undefined : (e) => console.error(`partition ${e.partition} offsets ${e.first}..${e.last}: ${e.records} records, ${e.quarantined} quarantined`),
        });
        console.log(flags.json ? JSON.stringify(report) : formatArchiveReport(report));
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });

  withPolicies(withCommon(program.command('run')))
    .description('fold the journal files not yet consumed into a new snapshot version')
    .option('--until <date>', 'fold journal days up to this date only', day)
    .option('--json', 'print the run report as one JSON object')
    .action(async (flags) => {
      await reportWithEngine(flags, (config, engine, onProgress) => runSnapshot({ config, engine, until: flags.until, onProgress }));
    });

  withCommon(program.command('validate'))
    .description('run the data-quality tests on a committed version (default: the current one)')
    .option('--version <n>', 'version to validate', int(1))
    .option('--as-of <date>', 'the version current at this date (end of day, UTC) or ISO timestamp')
    .option('--json', 'print the results as JSON')
    .action(async (flags) => {
      const config = await configFrom(flags);
      const target = await resolveVersion(config.lake, { version: flags.version, asOf: flags.asOf });
      const engine = openEngine({ ...config, engine: 'duckdb' });
      try {
        const results = await validateSnapshot(engine, config, target);
        const failed = results.filter((r) => !r.ok);
        if (flags.json) console.log(JSON.stringify({ version: target.commit.version, ok: failed.length === 0, checks: results }));
        else {
          console.log(`version ${target.commit.version}: ${results.length - failed.length}/${results.length} checks passed`);
          for (const r of results) console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name}: ${r.detail}`);
        }
        if (failed.length) process.exitCode = 1;
      } finally {
        await engine.close();
      }
    });

  withCommon(program.command('show'))
    .description('print rows of a committed version')
    .option('--version <n>', 'version to read (default: current)', int(1))
    .option('--as-of <date>', 'the version current at this date (end of day, UTC) or ISO timestamp')
    .option('--id <id>', 'only the row of this key')
    .option('--limit <n>', 'at most this many rows', int(0), 20)
    .option('--json', 'print rows as NDJSON')
    .action(async (flags) => {
      const config = await configFrom(flags);
      const target = await resolveVersion(config.lake, { version: flags.version, asOf: flags.asOf });
      const engine = openEngine({ ...config, engine: 'duckdb' });
      try {
        const d = engine.dialect;
        const key = d.quote(config.schema.key);
        if (flags.id !== undefined && !/^-?\d+$/.test(flags.id)) throw new InvalidArgumentError(`--id: got ${flags.id}, expected an integer`);
        const where = flags.id !== undefined ? `WHERE ${key} = ${flags.id}` : '';
        const rows = await engine.query(`SELECT * FROM ${d.readParquet(target.snapshotDir)} ${where} ORDER BY ${key} LIMIT ${flags.limit}`);
        console.log(flags.json ? rows.map((r) => JSON.stringify(plainRow(r))).join('\n') : formatRows(rows));
      } finally {
        await engine.close();
      }
    });

  withPolicies(withCommon(program.command('backfill')))
    .description('rebuild from a journal date on (after a fix, a corrected or a late day), as a new version')
    .requiredOption('--from <date>', 'first journal day to fold again', day)
    .option('--to <date>', 'fold new files only up to this day (files already folded are always refolded)', day)
    .option('--json', 'print the report as one JSON object')
    .action(async (flags) => {
      await reportWithEngine(flags, (config, engine, onProgress) =>
        backfillSnapshot({ config, engine, from: flags.from, to: flags.to, onProgress }));
    });

  withCommon(program.command('rollback'))
    .description('commit a new version whose contents equal version N (history is kept)')
    .argument('<version>', 'the version to restore', int(1))
    .option('--json', 'print the report as one JSON object')
    .action(async (version: number, flags) => {
      const config = await configFrom(flags);
      const report = await rollbackTo(config.lake, version);
      console.log(flags.json ? JSON.stringify(report) : report.message);
    });

  withPolicies(withCommon(program.command('migrate')))
    .description('apply a changed record schema or PII policy to the current snapshot, without the journal')
    .option('--json', 'print the report as one JSON object')
    .action(async (flags) => {
      await reportWithEngine(flags, (config, engine) => migrateSnapshot(config, engine));
    });

  withCommon(program.command('vacuum'))
    .description('delete the files of old versions and journal files past their TTL')
    .option('--keep-versions <n>', 'keep the files of the newest N versions', int(1), 10)
    .option('--journal-ttl <days>', 'delete journal files older than this many days before the newest folded day', int(0))
    .option('--dry-run', 'only say what would be deleted')
    .option('--json', 'print the report as JSON')
    .action(async (flags) => {
      const config = await configFrom(flags);
      const report = await vacuumLake(config.lake, { keepVersions: flags.keepVersions, journalTtlDays: flags.journalTtl, dryRun: Boolean(flags.dryRun) });
      if (flags.json) console.log(JSON.stringify(report));
      else {
        console.log(report.message);
        if (report.removedVersions.length) console.log(`  versions: ${report.removedVersions.join(', ')}`);
        for (const f of report.removedJournalFiles) console.log(`  journal: ${f}`);
      }
    });

  withCommon(program.command('log'))
    .description('print the version history with counts')
    .option('--json', 'print the commit records as NDJSON')
    .action(async (flags) => {
      const config = await configFrom(flags);
      const { commits } = await resolveVersion(config.lake);
      console.log(flags.json ? commits.map((c) => JSON.stringify(c)).join('\n') : formatLog(commits));
    });

  const spark = program.command('spark').description('a local Spark Connect server (local mode, 127.0.0.1) for --engine spark');
  const serverOptions = (command: Command) =>
    command
      .option('--port <n>', 'gRPC port', int(1), DEFAULT_SERVER.port)
      .option('--state-dir <dir>', 'log and pid files (default ~/.local/state/subsnap/spark or env SUBSNAP_SPARK_STATE)')
      .option('--token <token>', 'bearer token the server requires (or env SUBSNAP_SPARK_TOKEN)');
  const serverFrom = (flags: { port: number; stateDir?: string; memory?: string; cores?: number; token?: string }) => ({
    ...DEFAULT_SERVER,
    ...stripUndefined({ memory: flags.memory, cores: flags.cores, token: flags.token ?? process.env.SUBSNAP_SPARK_TOKEN }),
    port: flags.port,
    stateDir: path.resolve(flags.stateDir ?? defaultStateDir()),
  });
  serverOptions(spark.command('start'))
    .description('install the pinned Spark runtime if needed, start the server and wait until it answers')
    .option('--memory <size>', 'driver memory', DEFAULT_SERVER.memory)
    .option('--cores <n>', 'local cores', int(1), DEFAULT_SERVER.cores)
    .action(async (flags) => {
      const { startServer } = await import('../engines/spark/spark-server.js');
      const status = await startServer(serverFrom(flags));
      console.log(`Spark ${status.version} answers at ${status.remote} (pid ${status.pid}); log ${status.log}`);
    });
  serverOptions(spark.command('stop'))
    .description('stop the server started by `subsnap spark start`')
    .action(async (flags) => {
      const { stopServer } = await import('../engines/spark/spark-server.js');
      console.log((await stopServer(serverFrom(flags))) ? 'stopped' : 'not running');
    });
  serverOptions(spark.command('status'))
    .description('whether the server runs and answers')
    .option('--json', 'print the status as JSON')
    .action(async (flags) => {
      const { serverStatus } = await import('../engines/spark/spark-server.js');
      const status = await serverStatus(serverFrom(flags));
      if (flags.json) console.log(JSON.stringify(status));
      else console.log(status.running ? `running (pid ${status.pid}) at ${status.remote}, Spark ${status.version ?? 'not answering'}; log ${status.log}` : 'not running');
      if (!status.running) process.exitCode = 3;
    });

  return program;
}

function formatArchiveReport(r: ArchiveReport): string {
  const lines = [
    `archived ${r.records} records of topic ${r.topic} in ${r.segments} segment(s), ${r.journalFiles.length} journal file(s); ${r.quarantined} quarantined; ${r.skipped} redelivered and skipped`,
    `next offsets: ${Object.entries(r.next).map(([p, o]) => `${p}:${o}`).join(' ') || 'none'} (${r.stoppedBecause})`,
  ];
  if (r.recovered.rolledForward.length || r.recovered.rolledBack.length) {
    lines.push(`finished an interrupted segment: ${r.recovered.rolledForward.length} file(s) completed, ${r.recovered.rolledBack.length} removed`);
  }
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.stderr.write(`subsnap: ${(error as Error).message}\n`);
    process.exitCode = 2;
  }
}

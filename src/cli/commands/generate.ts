import { Command, Option } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { catalogEntries, writeCatalog } from '../../generate/catalog.js';
import { writeJournal } from '../../generate/journal.js';
import { parseBrokers } from '../../kafka/broker-list.js';
import { openLake } from '../../lake/lake-location.js';
import type { LakeLayout } from '../../lake/layout.js';
import { uploadTree } from '../../lake/upload.js';
import { configFrom, withCommon } from '../common-options.js';
import { withExitCodes } from '../exit-codes.js';
import { day, int, share } from '../parsers.js';
import { usageError } from '../usage.js';

/** `subsnap generate`: the one command that creates a lake. */
export function generateCommand(): Command {
  const command = withCommon(new Command('generate'))
    .description('write deterministic journal days and the 10-type subscription catalog into the lake (creating the lake)')
    .option('--seed <n>', 'random seed', int(0), 42)
    .addOption(new Option('--start <date>', 'first journal day').argParser(day).default('2024-01-01').conflicts('day'))
    .addOption(new Option('--days <n>', 'number of consecutive days').argParser(int(1)).default(3).conflicts('day'))
    .option('--day <date>', 'write this one day only (the bytes a full generation writes for it)', day)
    .option('--records <n>', 'records per day', int(1), 100)
    .option('--id-max <n>', 'Ids are drawn from id-min..N', int(1), 250)
    .option('--files-per-day <n>', 'split each day into this many files', int(1), 1)
    .option('--dirty-rate <r>', 'share of bad records of every kind', share, 0)
    .option('--duplicate-rate <r>', 'share of same-day duplicate records', share)
    .option('--id-min <n>', 'Ids are drawn from N..id-max', int(0), 1)
    .option('--sequential-ids', 'Ids id-min, id-min+1, ... in order (distinct keys, e.g. an initial load)')
    .option('--null-rate <r>', 'share of records with null fields', share)
    .option('--no-catalog', 'do not (re)write the catalog')
    .option('--to-kafka', 'produce the records to a Kafka topic (keyed by Id, timestamped in their day) instead of writing journal files')
    .option('--brokers <list>', 'with --to-kafka: bootstrap brokers host:port[,host:port...]')
    .option('--topic <name>', 'with --to-kafka: the topic', 'subscriptions')
    .option('--partitions <n>', 'with --to-kafka: partitions of the topic if it is created', int(1), 3)
    .option('--json', 'print a JSON summary')
    .action(async (flags, cmd: Command) => {
      if (flags.toKafka && !flags.brokers) usageError(cmd, '--to-kafka needs --brokers');
      if (!flags.toKafka) {
        const kafkaOnly = ['brokers', 'topic', 'partitions'].filter((o) => ['cli', 'env'].includes(cmd.getOptionValueSource(o) ?? ''));
        if (kafkaOnly.length) usageError(cmd, `${kafkaOnly.map((o) => `--${o}`).join(', ')} only apply with --to-kafka`);
      }
      const config = await configFrom(flags);
      const lake = await openLake(config);
      // A lake elsewhere (HDFS) is written on the local disk first, then copied file by file.
      const local = lake.storage.scheme === 'file' ? lake.root : await mkdtemp(path.join(os.tmpdir(), 'subsnap-generate-'));
      try {
        await generateInto(local, lake, flags);
      } finally {
        if (local !== lake.root) await rm(local, { recursive: true, force: true });
      }
    });
  return withExitCodes(command, { ok: 'the journal (or the topic) and the catalog were written' });
}

interface GenerateFlags {
  seed: number; start: string; days: number; day?: string; records: number; idMin: number; idMax: number; sequentialIds?: boolean;
  nullRate?: number; filesPerDay: number; dirtyRate: number; duplicateRate?: number; catalog: boolean; toKafka?: boolean;
  brokers?: string; topic: string; partitions: number; json?: boolean;
}

/** Writes the journal days (or produces them) and the catalog into the local folder `local`, then copies them into `lake` when it lies elsewhere. */
async function generateInto(local: string, lake: LakeLayout, flags: GenerateFlags): Promise<void> {
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
  const copied = lake.root !== local;
  const place = async (written: string, target: string) => (copied ? uploadTree(written, lake.storage, target) : []);
  const writeCatalogFile = async () => {
    if (!flags.catalog) return null;
    const file = await writeCatalog(path.join(local, 'catalog'), catalogEntries(flags.seed));
    await place(path.join(local, 'catalog'), lake.catalog);
    return lake.storage.engineLocation(path.join(lake.catalog, path.relative(path.join(local, 'catalog'), file)));
  };
  if (flags.toKafka) {
    const { produceJournal } = await import('../../kafka/produce-journal.js');
    const sent = await produceJournal(options, flags.day, { brokers: parseBrokers(flags.brokers!), topic: flags.topic, partitions: flags.partitions });
    const catalog = await writeCatalogFile();
    if (flags.json) console.log(JSON.stringify({ ...sent, catalog }));
    else console.log(`produced ${sent.records} records to topic ${sent.topic} (${sent.days.join(', ')})${catalog ? `; wrote the catalog ${catalog}` : ''}`);
    return;
  }
  const result = await writeJournal(local, options, flags.day);
  await place(path.join(local, 'journal'), lake.journal);
  const catalog = await writeCatalogFile();
  const where = (file: string) => lake.storage.engineLocation(path.join(lake.root, path.relative(local, file)));
  const summary = { lake: where(local), files: result.files.map(where), records: result.records, catalog };
  if (flags.json) console.log(JSON.stringify(summary));
  else {
    console.log(`wrote ${result.records} journal records in ${result.files.length} file(s) under ${lake.storage.engineLocation(lake.journal)}`);
    if (catalog) console.log(`wrote the catalog ${catalog}`);
  }
}

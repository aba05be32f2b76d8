import { Command, Option } from 'commander';
import type { ArchiveReport } from '../../kafka/archive-topic.js';
import { parseBrokers } from '../../kafka/broker-list.js';
import { lakeConfigFrom, withCommon } from '../common-options.js';
import { withExitCodes } from '../exit-codes.js';
import { int, seconds } from '../parsers.js';

/** `subsnap archive`: a Kafka topic into the journal of an existing lake. */
export function archiveCommand(): Command {
  const command = withCommon(new Command('archive'))
    .description("archive a Kafka topic into the lake's journal: one NDJSON file per day and offset range, offsets committed once the files are durable")
    .requiredOption('--brokers <list>', 'bootstrap brokers host:port[,host:port...]')
    .requiredOption('--topic <name>', 'the topic of journal records')
    .option('--group <id>', 'consumer group', 'subsnap-archive')
    .addOption(new Option('--until-idle <seconds>', 'archive every partition to its end offset at start, then stop once no message arrived for this long, or this long after reaching the ends (default 10); exit 2 if the ends cannot be reached').argParser(seconds).conflicts('follow'))
    .addOption(new Option('--complete-timeout <seconds>', 'with --until-idle: fail after this long without progress while a partition is short of its end (default: the idle time + 20 s)').argParser(seconds).conflicts('follow'))
    .option('--follow', 'keep consuming until interrupted (SIGINT/SIGTERM write what is pending, then stop)')
    .addOption(new Option('--flush-interval <seconds>', 'with --follow: write a segment at the latest this long after its first message').argParser(seconds).default(60).conflicts('untilIdle'))
    .option('--segment-records <n>', 'offsets per file (files are cut at multiples of it)', int(1), 100_000)
    .option('--day-field <name>', "the record's field that names its day (default: the message timestamp, UTC)")
    .option('--accept-loss', "go on when Kafka's retention already deleted offsets never archived, recording the gap")
    .option('--json', 'print the report as JSON')
    .action(async (flags) => {
      // The journal folder may be created here, the lake folder itself never: a mistyped --lake is an error.
      const { lake } = await lakeConfigFrom(flags, 'create the folder to archive into a new lake');
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const { archiveTopic } = await import('../../kafka/archive-topic.js');
        const report = await archiveTopic({
          lake,
          brokers: parseBrokers(flags.brokers),
          topic: flags.topic,
          group: flags.group,
          mode: flags.follow
            ? { kind: 'follow', flushMs: flags.flushInterval * 1000 }
            : { kind: 'until-idle', idleMs: (flags.untilIdle ?? 10) * 1000, completeTimeoutMs: flags.completeTimeout === undefined ? undefined : flags.completeTimeout * 1000 },
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
  return withExitCodes(command, { ok: 'archived; with --until-idle, every partition up to its end offset at start' });
}

function formatArchiveReport(r: ArchiveReport): string {
  const lines = [
    `archived ${r.records} records of topic ${r.topic} in ${r.segments} segment(s), ${r.journalFiles.length} journal file(s); ${r.quarantined} quarantined; ${r.skipped} redelivered and skipped`,
    `partitions (reached/end): ${r.partitions.map((p) => `${p.partition}:${p.reached}/${p.end}`).join(' ') || 'none'} (${r.stoppedBecause})`,
  ];
  if (r.recovered.rolledForward.length || r.recovered.rolledBack.length) {
    lines.push(`finished an interrupted segment: ${r.recovered.rolledForward.length} file(s) completed, ${r.recovered.rolledBack.length} removed`);
  }
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

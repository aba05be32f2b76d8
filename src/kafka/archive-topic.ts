/**
 * `subsnap archive`: consume a topic into the lake's journal, segment by segment, each segment
 * durable before its offsets are committed (archive-store.ts). Segments are aligned on offsets
 * (offset / segmentRecords), so where files are cut depends only on the offsets archived: a run
 * interrupted at any moment and started again writes the same files as one that was not.
 */
import type { Consumer } from 'kafkajs';
import { lakeLayout } from '../lake/layout.js';
import { archiveMessage, topicProblem, type DayRule, type QuarantineEntry } from './archive-records.js';
import { ArchiveStore, type ArchiveGap } from './archive-store.js';
import { kafkaClient } from './kafka-connection.js';

export type ArchiveMode = { kind: 'until-idle'; idleMs: number } | { kind: 'follow'; flushMs: number };

export interface ArchiveOptions {
  lake: string;
  brokers: string[];
  topic: string;
  group: string;
  mode: ArchiveMode;
  /** Offsets per segment (segments are aligned on multiples of it). */
  segmentRecords: number;
  dayRule: DayRule;
  /** Go on when Kafka already deleted (retention) offsets the archive never read, recording the gap. */
  acceptLoss: boolean;
  /** Stops a follow (or any) run: pending segments are written first. */
  signal?: AbortSignal;
  onSegment?: (event: { partition: number; first: bigint; last: bigint; records: number; quarantined: number }) => void;
}

export interface ArchiveReport {
  topic: string;
  group: string;
  segments: number;
  records: number;
  quarantined: number;
  /** Messages delivered again (below the archived offset) and skipped. */
  skipped: number;
  journalFiles: string[];
  /** Per partition, the first offset not yet archived. */
  next: Record<string, string>;
  gaps: ArchiveGap[];
  warnings: string[];
  recovered: { rolledForward: string[]; rolledBack: string[] };
  stoppedBecause: string;
  durationMs: number;
}

export class ArchiveError extends Error {}

interface OpenSegment {
  first: bigint;
  last: bigint;
  openedAt: number;
  lines: Map<string, string[]>;
  quarantined: Map<string, QuarantineEntry[]>;
  records: number;
  rejected: number;
}

const JOIN_TIMEOUT_MS = 60_000;

export async function archiveTopic(options: ArchiveOptions): Promise<ArchiveReport> {
  const started = Date.now();
  const problem = topicProblem(options.topic);
  if (problem) throw new ArchiveError(problem);
  const layout = lakeLayout(options.lake);
  const kafka = kafkaClient(options.brokers, 'subsnap-archive');
  const { store, recovered } = await ArchiveStore.open(layout, options.topic);
  const warnings: string[] = [];
  const report = { segments: 0, records: 0, quarantined: 0, skipped: 0, journalFiles: [] as string[] };
  let consumer: Consumer | undefined;
  try {
    const start = await startingOffsets(kafka, store, options, warnings);
    const position = (partition: number) => store.nextOffset(partition) ?? start.get(partition) ?? 0n;
    const open = new Map<number, OpenSegment>();
    const segmentOf = (offset: bigint) => offset / BigInt(options.segmentRecords);

    // Work on segments is serialized: batches, timed flushes and the final flush never interleave.
    let queue: Promise<unknown> = Promise.resolve();
    const serial = <T>(work: () => Promise<T>): Promise<T> => {
      const next = queue.then(work);
      queue = next.catch(() => undefined);
      return next;
    };
    const c = kafka.consumer({ groupId: options.group, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 250 });
    consumer = c;

    const flush = async (partition: number) => {
      const segment = open.get(partition);
      if (!segment) return;
      open.delete(partition);
      const files = await store.writeSegment({ partition, ...segment });
      await c.commitOffsets([{ topic: options.topic, partition, offset: (segment.last + 1n).toString() }]);
      report.segments++;
      report.records += segment.records;
      report.quarantined += segment.rejected;
      report.journalFiles.push(...files);
      options.onSegment?.({ partition, first: segment.first, last: segment.last, records: segment.records, quarantined: segment.rejected });
    };

    let lastActivity = Number.POSITIVE_INFINITY;
    let stopping = false;
    let failure: unknown;
    c.on(c.events.GROUP_JOIN, (event) => {
      lastActivity = Date.now();
      const assigned = event.payload.memberAssignment[options.topic] ?? [];
      for (const partition of assigned) {
        // Kafka's committed offset trails the archive by at most one segment; start where the archive stands.
        c.seek({ topic: options.topic, partition, offset: position(partition).toString() });
      }
    });
    c.on(c.events.CRASH, (event) => {
      failure = event.payload.error;
    });

    await c.connect();
    await c.subscribe({ topic: options.topic, fromBeginning: true });
    await c.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat }) =>
        serial(async () => {
          // Once stopping, later batches are left to the next run (nothing of them is committed).
          if (stopping) return;
          const partition = batch.partition;
          for (const message of batch.messages) {
            const offset = BigInt(message.offset);
            const current = open.get(partition);
            if (offset < position(partition) || (current && offset <= current.last)) {
              report.skipped++;
              continue;
            }
            if (current && segmentOf(offset) !== segmentOf(current.first)) await flush(partition);
            let segment = open.get(partition);
            if (!segment) {
              segment = { first: offset, last: offset, openedAt: Date.now(), lines: new Map(), quarantined: new Map(), records: 0, rejected: 0 };
              open.set(partition, segment);
            }
            const archived = archiveMessage(options.topic, {
              partition, offset, timestamp: Number(message.timestamp), key: message.key ?? null, value: message.value ?? null,
            }, options.dayRule);
            segment.last = offset;
            if (archived.kind === 'line') {
              push(segment.lines, archived.day, archived.line);
              segment.records++;
            } else {
              push(segment.quarantined, archived.day, archived.entry);
              segment.rejected++;
            }
          }
          lastActivity = Date.now();
          await heartbeat();
        }),
    });

    const stoppedBecause = await new Promise<string>((resolve, reject) => {
      const joinDeadline = Date.now() + JOIN_TIMEOUT_MS;
      const timer = setInterval(() => {
        if (failure) {
          clearInterval(timer);
          reject(failure instanceof Error ? failure : new Error(String(failure)));
        } else if (options.signal?.aborted) {
          clearInterval(timer);
          resolve('stopped');
        } else if (lastActivity === Number.POSITIVE_INFINITY && Date.now() > joinDeadline) {
          clearInterval(timer);
          reject(new ArchiveError(`could not join consumer group ${options.group} within ${JOIN_TIMEOUT_MS / 1000} s`));
        } else if (options.mode.kind === 'until-idle' && Date.now() - lastActivity >= options.mode.idleMs) {
          clearInterval(timer);
          resolve(`idle for ${options.mode.idleMs / 1000} s`);
        } else if (options.mode.kind === 'follow') {
          const { flushMs } = options.mode;
          for (const [partition, segment] of open) {
            if (Date.now() - segment.openedAt >= flushMs) serial(() => flush(partition)).catch((error: unknown) => (failure = error));
          }
        }
      }, 100);
    });
    // The open segments end where the available messages end.
    await serial(async () => {
      stopping = true;
      for (const partition of [...open.keys()]) await flush(partition);
    });
    await c.disconnect();
    consumer = undefined;
    return {
      topic: options.topic,
      group: options.group,
      ...report,
      next: Object.fromEntries([...start.keys()].map((p) => [String(p), position(p).toString()])),
      gaps: [...store.gaps],
      warnings,
      recovered,
      stoppedBecause,
      durationMs: Date.now() - started,
    };
  } finally {
    if (consumer) await consumer.disconnect().catch(() => undefined);
    await store.close();
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Where each partition starts: the archive's own position, else the group's committed offset, else
 * the earliest offset Kafka holds. A position Kafka has already deleted by retention is lost data:
 * an error, unless accepted (then recorded as a gap in the archive's state).
 */
async function startingOffsets(
  kafka: ReturnType<typeof kafkaClient>,
  store: ArchiveStore,
  options: ArchiveOptions,
  warnings: string[],
): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(options.topic)) throw new ArchiveError(`topic ${options.topic} does not exist on ${options.brokers.join(',')}`);
    const watermarks = await admin.fetchTopicOffsets(options.topic);
    const [committed] = await admin.fetchOffsets({ groupId: options.group, topics: [options.topic] });
    const start = new Map<number, bigint>();
    for (const { partition, low } of watermarks) {
      const earliest = BigInt(low);
      const groupOffset = committed?.partitions.find((p) => p.partition === partition)?.offset;
      const fromGroup = groupOffset !== undefined && groupOffset !== '-1' ? BigInt(groupOffset) : undefined;
      const known = store.nextOffset(partition) ?? fromGroup;
      if (known === undefined) {
        if (earliest > 0n) warnings.push(`partition ${partition}: archiving starts at offset ${earliest}, the earliest Kafka still holds`);
        start.set(partition, earliest);
      } else if (known < earliest) {
        const lost = `partition ${partition}: offsets ${known}..${earliest - 1n} were deleted by Kafka's retention before they were archived`;
        if (!options.acceptLoss) {
          throw new ArchiveError(`${lost}; those records are lost to the archive. Run again with --accept-loss to record the gap and go on`);
        }
        await store.recordGap(partition, known, earliest - 1n);
        warnings.push(`${lost} (recorded as a gap)`);
        start.set(partition, earliest);
      } else {
        start.set(partition, known);
      }
    }
    return start;
  } finally {
    await admin.disconnect();
  }
}

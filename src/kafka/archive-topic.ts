/**
 * `subsnap archive`: consume a topic into the lake's journal, segment by segment, each segment
 * durable before its offsets are committed (archive-store.ts). Segments are aligned on offsets
 * (offset / segmentRecords), so where files are cut depends only on the offsets archived: a run
 * interrupted at any moment and started again writes the same files as one that was not.
 *
 * `--until-idle` promises completeness: it succeeds only when every partition of the topic is
 * archived up to the end offset it had when the run started (messages produced later may be
 * archived too). While the group has not given this archiver every partition (a killed archiver
 * stays a member until its session times out; another consumer may share the group), the run keeps
 * waiting; it fails, naming each partition short of its end, once it has made no progress for the
 * completion timeout.
 */
import { AssignerProtocol, PartitionAssigners, type Consumer } from 'kafkajs';
import type { LakeLayout } from '../lake/layout.js';
import { archiveMessage, topicProblem, type DayRule, type QuarantineEntry } from './archive-records.js';
import { ArchiveStore, type ArchiveGap } from './archive-store.js';
import { kafkaClient, retryRetriable } from './kafka-connection.js';
import { wholeTopicAssigner } from './whole-topic-assigner.js';

export type ArchiveMode =
  /** `completeTimeoutMs`: how long the run may go without progress while a partition is short of its end. */
  | { kind: 'until-idle'; idleMs: number; completeTimeoutMs?: number }
  | { kind: 'follow'; flushMs: number };

export interface ArchiveOptions {
  lake: LakeLayout;
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

/** Where a partition stands against the end the run must reach. */
export interface PartitionProgress {
  partition: number;
  /** The partition's end offset when the run started (its high watermark; with transactions, its last stable offset). */
  end: string;
  /** The first offset this archive has not read: offsets below it are archived, or were control records or aborted messages. */
  reached: string;
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
  /** Per partition, the first offset not yet archived (the archive's state). */
  next: Record<string, string>;
  /** Every partition of the topic when the run started, with its end and the offset reached. */
  partitions: PartitionProgress[];
  gaps: ArchiveGap[];
  warnings: string[];
  recovered: { rolledForward: string[]; rolledBack: string[] };
  stoppedBecause: string;
  durationMs: number;
}

export class ArchiveError extends Error {}

/** An `--until-idle` run that could not archive every partition to its end. What it archived stays. */
export class ArchiveIncompleteError extends ArchiveError {
  constructor(
    message: string,
    readonly partitions: PartitionProgress[],
  ) {
    super(message);
  }
}

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
/** A member that stops heartbeating (a killed archiver) leaves the group after this long. */
export const SESSION_TIMEOUT_MS = 10_000;
const REBALANCE_TIMEOUT_MS = 30_000;
/** Beyond the session timeout: the rebalance that follows, and the first fetches. */
const COMPLETE_MARGIN_MS = 10_000;

/**
 * The default completion timeout of `--until-idle`: the idle time, then long enough for a killed
 * archiver's membership to expire and the group to rebalance.
 */
export const defaultCompleteTimeoutMs = (idleMs: number) => idleMs + SESSION_TIMEOUT_MS + COMPLETE_MARGIN_MS;

const maxOf = (a: bigint, b: bigint) => (a > b ? a : b);

export async function archiveTopic(options: ArchiveOptions): Promise<ArchiveReport> {
  const started = Date.now();
  const problem = topicProblem(options.topic);
  if (problem) throw new ArchiveError(problem);
  const { mode } = options;
  const completeTimeoutMs = mode.kind === 'until-idle' ? Math.max(mode.idleMs, mode.completeTimeoutMs ?? defaultCompleteTimeoutMs(mode.idleMs)) : 0;
  const layout = options.lake;
  const kafka = kafkaClient(options.brokers, 'subsnap-archive');
  const { store, recovered } = await ArchiveStore.open(layout, options.topic);
  const warnings: string[] = [];
  const report = { segments: 0, records: 0, quarantined: 0, skipped: 0, journalFiles: [] as string[] };
  let consumer: Consumer | undefined;
  try {
    const { start, ends } = await startingOffsets(kafka, store, options, warnings);
    const position = (partition: number) => store.nextOffset(partition) ?? start.get(partition) ?? 0n;
    // Per partition, 1 + the last offset delivered to this run and processed: beyond the archived
    // position only by control records (transaction markers) and aborted messages, never delivered.
    const passed = new Map<number, bigint>();
    const pass = (partition: number, lastOffset: string) => passed.set(partition, maxOf(passed.get(partition) ?? 0n, BigInt(lastOffset) + 1n));
    const reached = (partition: number) => maxOf(position(partition), passed.get(partition) ?? 0n);
    const progress = (): PartitionProgress[] =>
      [...ends.keys()].sort((a, b) => a - b).map((partition) => ({ partition, end: ends.get(partition)!.toString(), reached: reached(partition).toString() }));
    const complete = () => [...ends].every(([partition, end]) => reached(partition) >= end);
    const open = new Map<number, OpenSegment>();
    const segmentOf = (offset: bigint) => offset / BigInt(options.segmentRecords);

    // Work on segments is serialized: batches, timed flushes and the final flush never interleave.
    let queue: Promise<unknown> = Promise.resolve();
    const serial = <T>(work: () => Promise<T>): Promise<T> => {
      const next = queue.then(work);
      queue = next.catch(() => undefined);
      return next;
    };
    const c = kafka.consumer({
      groupId: options.group,
      sessionTimeout: SESSION_TIMEOUT_MS,
      rebalanceTimeout: REBALANCE_TIMEOUT_MS,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 250,
      partitionAssigners: [wholeTopicAssigner(), PartitionAssigners.roundRobin],
    });
    consumer = c;

    // The group's committed offset is a hint (the archive's state decides where a run starts):
    // a commit refused during a rebalance is retried at the next segment and at the end.
    const uncommitted = new Map<number, bigint>();
    const commit = async (offsets: Map<number, bigint>) => {
      try {
        await c.commitOffsets([...offsets].map(([partition, next]) => ({ topic: options.topic, partition, offset: next.toString() })));
        for (const partition of offsets.keys()) uncommitted.delete(partition);
      } catch {
        for (const [partition, next] of offsets) uncommitted.set(partition, next);
      }
    };

    const flush = async (partition: number) => {
      const segment = open.get(partition);
      if (!segment) return;
      open.delete(partition);
      const files = await store.writeSegment({ partition, ...segment });
      await commit(new Map([...uncommitted, [partition, segment.last + 1n]]));
      report.segments++;
      report.records += segment.records;
      report.quarantined += segment.rejected;
      report.journalFiles.push(...files);
      options.onSegment?.({ partition, first: segment.first, last: segment.last, records: segment.records, quarantined: segment.rejected });
    };
    const flushAll = async () => {
      for (const partition of [...open.keys()]) await flush(partition);
    };

    // Progress: a message (or a marker) read, or a partition this run did not hold before. Not a
    // rejoin as such: a group that keeps rebalancing must not hold the run forever.
    let lastActivity = Number.POSITIVE_INFINITY;
    let assigned = new Set<number>();
    const everAssigned = new Set<number>();
    let stopping = false;
    let failure: unknown;
    let lastKafkaError: Error | undefined;
    c.on(c.events.GROUP_JOIN, (event) => {
      assigned = new Set(event.payload.memberAssignment[options.topic] ?? []);
      const gained = [...assigned].filter((partition) => !everAssigned.has(partition));
      for (const partition of gained) everAssigned.add(partition);
      if (gained.length > 0 || lastActivity === Number.POSITIVE_INFINITY) lastActivity = Date.now();
      for (const partition of assigned) {
        // Kafka's committed offset trails the archive by at most one segment; start where the archive stands.
        c.seek({ topic: options.topic, partition, offset: position(partition).toString() });
      }
    });
    c.on(c.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      lastKafkaError = error;
      if (!restart) failure ??= error;
      else {
        // A retriable error (the coordinator moved, a rebalance outlasted the retries): the client
        // restarts the consumer, which joins the group again.
        assigned = new Set();
        if (warnings.length < 20) warnings.push(`the Kafka consumer restarted after a retriable error: ${error.message}`);
      }
    });
    // Batches emptied by filtering (only transaction markers or aborted messages) never reach eachBatch.
    c.on(c.events.END_BATCH_PROCESS, (event) => {
      const { topic, partition, batchSize, lastOffset } = event.payload;
      if (batchSize === 0 && topic === options.topic && !stopping && !failure) {
        pass(partition, lastOffset);
        lastActivity = Date.now();
      }
    });

    await c.connect();
    await c.subscribe({ topic: options.topic, fromBeginning: true });
    await c.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat }) => {
        await serial(async () => {
          // Once stopping, later batches are left to the next run (nothing of them is committed).
          // After a failure nothing more is archived: the client would deliver the batch again,
          // but not the earlier messages of a segment that failed to write.
          if (stopping || failure) return;
          const partition = batch.partition;
          try {
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
            pass(partition, batch.lastOffset());
          } catch (error) {
            failure ??= error;
            return;
          }
          lastActivity = Date.now();
        });
        await heartbeat();
      },
    });

    let idleFlush: Promise<void> | undefined;
    let completedAt: number | undefined;
    const stoppedBecause = await new Promise<string>((resolve, reject) => {
      const joinDeadline = Date.now() + JOIN_TIMEOUT_MS;
      const timer = setInterval(() => {
        const now = Date.now();
        const stop = (because: string) => {
          clearInterval(timer);
          resolve(because);
        };
        if (failure) {
          clearInterval(timer);
          reject(failure instanceof Error ? failure : new Error(String(failure)));
        } else if (options.signal?.aborted) {
          stop('stopped');
        } else if (lastActivity === Number.POSITIVE_INFINITY && now > joinDeadline) {
          clearInterval(timer);
          reject(new ArchiveError(`could not join consumer group ${options.group} within ${JOIN_TIMEOUT_MS / 1000} s${lastKafkaError ? ` (${lastKafkaError.message})` : ''}`));
        } else if (mode.kind === 'until-idle' && complete() && now - (completedAt ??= now) >= mode.idleMs) {
          // On a topic that is never idle, the run still ends: the idle time after it reached the ends.
          stop(`every partition archived to its end${now - lastActivity >= mode.idleMs ? `, idle for ${mode.idleMs / 1000} s` : `, then ${mode.idleMs / 1000} s more`}`);
        } else if (mode.kind === 'until-idle' && now - lastActivity >= mode.idleMs) {
          if (complete()) {
            stop(`idle for ${mode.idleMs / 1000} s, every partition archived to its end`);
          } else if (now - lastActivity >= completeTimeoutMs) {
            stop(`no progress for ${completeTimeoutMs / 1000} s with partitions short of their end`);
          } else if (open.size > 0 && !idleFlush) {
            // Waiting for partitions held elsewhere: what was read is made durable meanwhile.
            idleFlush = serial(flushAll)
              .catch((error: unknown) => void (failure ??= error))
              .finally(() => (idleFlush = undefined));
          }
        } else if (mode.kind === 'follow') {
          const { flushMs } = mode;
          for (const [partition, segment] of open) {
            if (now - segment.openedAt >= flushMs) serial(() => flush(partition)).catch((error: unknown) => (failure ??= error));
          }
        }
      }, 100);
    });
    // The open segments end where the available messages end.
    await serial(async () => {
      stopping = true;
      await flushAll();
    });
    if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
    if (uncommitted.size) {
      await commit(new Map(uncommitted));
      if (uncommitted.size) {
        warnings.push(`the consumer group's offsets of partition(s) ${[...uncommitted.keys()].join(', ')} trail the archive (Kafka refused the commit; the archive's state decides where the next run starts)`);
      }
    }
    if (mode.kind === 'until-idle' && !complete()) {
      throw new ArchiveIncompleteError(await incompleteMessage(c, options, stoppedBecause, progress(), assigned, lastKafkaError), progress());
    }
    await c.disconnect();
    consumer = undefined;
    return {
      topic: options.topic,
      group: options.group,
      ...report,
      next: Object.fromEntries([...start.keys()].map((p) => [String(p), position(p).toString()])),
      partitions: progress(),
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

/** Names every partition short of its end, with what holds it when the group says so. */
async function incompleteMessage(
  consumer: Consumer,
  options: ArchiveOptions,
  stoppedBecause: string,
  progress: PartitionProgress[],
  assigned: Set<number>,
  lastKafkaError: Error | undefined,
): Promise<string> {
  const holders = new Map<number, string>();
  try {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 5_000).unref());
    const group = await Promise.race([consumer.describeGroup(), timeout]);
    for (const member of group.members) {
      const assignment = AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment[options.topic] ?? [];
      for (const partition of assignment) holders.set(partition, `${member.clientId} on ${member.clientHost}`);
    }
  } catch {
    // Best effort: the message names the partitions either way.
  }
  const lines = progress
    .filter((p) => BigInt(p.reached) < BigInt(p.end))
    .map((p) => {
      const why = assigned.has(p.partition)
        ? `assigned to this archiver, which read no further${lastKafkaError ? `; last Kafka error: ${lastKafkaError.message}` : ''}`
        : holders.has(p.partition)
          ? `held by another member of consumer group ${options.group}: ${holders.get(p.partition)}`
          : 'not assigned to this archiver';
      return `  partition ${p.partition}: archived to offset ${p.reached} of ${p.end} (${why})`;
    });
  const when = stoppedBecause === 'stopped' ? 'stopped by a signal' : stoppedBecause;
  return [
    `topic ${options.topic} is not archived to its end (${when}); --until-idle needs every partition archived up to the end offset it had when the run started:`,
    ...lines,
    `What was archived is durable and will not be archived twice. Run again once the group's other members are gone ` +
      `(a killed archiver leaves the group ${SESSION_TIMEOUT_MS / 1000} s after it died); give each lake a consumer group of its own (--group).`,
  ].join('\n');
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Where each partition starts: the archive's own position, else the group's committed offset, else
 * the earliest offset Kafka holds. A position Kafka has already deleted by retention is lost data:
 * an error, unless accepted (then recorded as a gap in the archive's state). And where each ends
 * now: the offset an `--until-idle` run must reach (read committed: with transactions, the last
 * stable offset).
 */
async function startingOffsets(
  kafka: ReturnType<typeof kafkaClient>,
  store: ArchiveStore,
  options: ArchiveOptions,
  warnings: string[],
): Promise<{ start: Map<number, bigint>; ends: Map<number, bigint> }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = await retryRetriable(() => admin.listTopics());
    if (!topics.includes(options.topic)) throw new ArchiveError(`topic ${options.topic} does not exist on ${options.brokers.join(',')}`);
    const watermarks = await retryRetriable(() => admin.fetchTopicOffsets(options.topic));
    const [committed] = await retryRetriable(() => admin.fetchOffsets({ groupId: options.group, topics: [options.topic] }));
    const start = new Map<number, bigint>();
    const ends = new Map(watermarks.map(({ partition, high }) => [partition, BigInt(high)]));
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
    return { start, ends };
  } finally {
    await admin.disconnect();
  }
}

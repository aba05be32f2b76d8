/**
 * `subsnap generate --to-kafka`: the generated journal lines as Kafka messages, keyed by `Id` (so
 * that one key's updates stay in order in one partition), timestamped within their day (so that
 * the archive files them under that day).
 */
import { CompressionTypes, Partitioners } from 'kafkajs';
import { createDayGenerator, resolveJournalOptions, type JournalOptionsInput } from '../generate/journal.js';
import { dayRange, requireIsoDay } from '../generate/dates.js';
import { topicProblem } from './archive-records.js';
import { kafkaClient } from './kafka-connection.js';

export interface ProduceTarget {
  brokers: string[];
  topic: string;
  /** Partitions of the topic if it has to be created. */
  partitions: number;
}

const BATCH = 5_000;
const DAY_MS = 86_400_000;

/** The `Id` of a journal line as its message key; a line without one (a bad record) has no key. */
export function keyOfLine(line: string): string | null {
  return /"Id"\s*:\s*(-?\d+)\s*[,}]/.exec(line)?.[1] ?? null;
}

export async function produceJournal(
  options: JournalOptionsInput,
  onlyDay: string | undefined,
  target: ProduceTarget,
): Promise<{ topic: string; records: number; days: string[] }> {
  const problem = topicProblem(target.topic);
  if (problem) throw new Error(problem);
  const o = resolveJournalOptions(options);
  if (onlyDay !== undefined) requireIsoDay(onlyDay, 'onlyDay');
  const days = onlyDay !== undefined ? [onlyDay] : dayRange(o.start, o.days);
  const kafka = kafkaClient(target.brokers, 'subsnap-generate');
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: target.topic, numPartitions: target.partitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  // Idempotent: a retried send cannot write a message twice.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  let records = 0;
  try {
    for (const day of days) {
      const gen = createDayGenerator(o, day);
      const dayStart = Date.parse(`${day}T00:00:00Z`);
      let batch: { key: string | null; value: string; timestamp: string }[] = [];
      for (let i = 0; i < gen.count; i++) {
        const line = gen.next();
        batch.push({ key: keyOfLine(line), value: line, timestamp: String(dayStart + Math.floor((i * DAY_MS) / gen.count)) });
        if (batch.length === BATCH || i === gen.count - 1) {
          await producer.send({ topic: target.topic, acks: -1, compression: CompressionTypes.GZIP, messages: batch });
          records += batch.length;
          batch = [];
        }
      }
    }
  } finally {
    await producer.disconnect();
  }
  return { topic: target.topic, records, days };
}

// `subsnap archive --until-idle` succeeds only with every partition archived to the end it had when
// the run started: after kills and immediate restarts (the dead archivers still members of the
// group), while another consumer of the group holds partitions (a failure naming them, until it
// leaves), on a topic that is never idle, and across transaction markers, which are offsets without
// a message. One real Kafka broker for the file.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestKafka, type TestKafka } from '../support/kafka-broker.js';
import * as support from '../support/kafka-archive.js';
import { groupOf, journalLines, spawnArchive } from '../support/kafka-archive.js';
import { removeLake, tempLake } from '../support/lake-fixture.js';

let kafka: TestKafka;
before(async () => {
  kafka = await startTestKafka();
}, { timeout: 300_000 });
after(() => kafka?.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DAY = Date.parse('2024-06-01T00:00:00Z');

/** `count` records `{"Id", "seq"}` to a new topic, record `seq` to partition seq % partitions. */
async function producedTopic(partitions: number, count: number) {
  const { topic, producer } = await support.topicWithProducer(kafka, partitions);
  for (let from = 0; from < count; from += 1000) {
    const messages = Array.from({ length: Math.min(1000, count - from) }, (_, i) => {
      const seq = from + i;
      // Over two days: a partition's records go to files of both day folders.
      return { partition: seq % partitions, key: String(seq % 97), value: JSON.stringify({ Id: seq % 97, seq }), timestamp: String(DAY + seq * 60_000) };
    });
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
  return topic;
}

/**
 * Every produced record is in the journal exactly once, and a partition's records are in
 * produced order within each day (the run's order: file name, then line).
 */
async function assertArchivedExactlyOnce(lake: string, partitions: number, count: number) {
  const lines = await journalLines(lake);
  const seqs = lines.map(({ line }) => (JSON.parse(line) as { seq: number }).seq);
  assert.deepEqual([...seqs].sort((a, b) => a - b), Array.from({ length: count }, (_, i) => i), 'every record once');
  const last = new Map<string, number>();
  for (const [i, { file }] of lines.entries()) {
    const key = `${path.dirname(file)} ${seqs[i]! % partitions}`;
    assert.ok((last.get(key) ?? -1) < seqs[i]!, `partition order within ${key}`);
    last.set(key, seqs[i]!);
  }
}

/** How many segment files are visible in the journal (names only: cheap enough to poll). */
async function segmentFiles(lake: string): Promise<number> {
  const journal = path.join(lake, 'journal');
  let count = 0;
  for (const day of await fs.readdir(journal).catch(() => [])) {
    if (day.startsWith('date=')) count += (await fs.readdir(path.join(journal, day))).filter((f) => !f.startsWith('.')).length;
  }
  return count;
}

describe('subsnap archive --until-idle: every partition to its end, or an error', { timeout: 600_000 }, () => {
  it('killed twice mid-way and restarted at once (the dead members still in the group): the third run archives everything once', async () => {
    const partitions = 3;
    const count = 6000;
    const topic = await producedTopic(partitions, count);
    const lake = await tempLake();
    const extra = ['--segment-records', '25'];
    try {
      for (const round of [1, 2]) {
        const before = await segmentFiles(lake);
        const child = spawnArchive(kafka, lake, topic, extra);
        // Mid-way: once this run has written a segment of its own.
        for (let i = 0; i < 3000 && (await segmentFiles(lake)) <= before && child.exitCode === null; i++) await sleep(5);
        await support.kill(child);
        assert.equal(child.signalCode, 'SIGKILL', `run ${round} was killed, not finished (exit code ${child.exitCode}: ${child.errorText()})`);
      }
      const archivedBefore = (await journalLines(lake)).length;
      assert.ok(archivedBefore > 0 && archivedBefore < count, `the kills left a partial archive (${archivedBefore} of ${count})`);

      const result = await support.archive(kafka, lake, topic, extra);
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout);
      assert.deepEqual(report.partitions, [0, 1, 2].map((p) => ({ partition: p, end: '2000', reached: '2000' })));
      assert.deepEqual(report.next, { 0: '2000', 1: '2000', 2: '2000' });
      assert.match(report.stoppedBecause, /every partition archived to its end/);
      await assertArchivedExactlyOnce(lake, partitions, count);
    } finally {
      await removeLake(lake);
    }
  });

  it('another live consumer of the group holds partitions: exit 2 naming them, then complete once it has left', async () => {
    const partitions = 3;
    const count = 600;
    const topic = await producedTopic(partitions, count);
    const lake = await tempLake();
    const other = kafka.client.consumer({ groupId: groupOf(lake), heartbeatInterval: 500 });
    let held: number[] = [];
    other.on(other.events.GROUP_JOIN, (event) => (held = event.payload.memberAssignment[topic] ?? []));
    try {
      await other.connect();
      await other.subscribe({ topic, fromBeginning: true });
      // It commits nothing: it only holds what the group gives it.
      await other.run({ autoCommit: false, eachBatch: async () => undefined });
      for (let i = 0; i < 300 && held.length === 0; i++) await sleep(100);

      const started = Date.now();
      const refused = await support.archive(kafka, lake, topic, ['--until-idle', '1']);
      assert.equal(refused.code, 2, refused.stdout + refused.stderr);
      assert.ok(held.length > 0 && held.length < partitions, `the group shares the topic: the other consumer holds ${held}`);
      const named = [...refused.stderr.matchAll(/partition (\d+): archived to offset (\d+) of (\d+) \(held by another member of consumer group ([^:]+):/g)];
      assert.deepEqual(named.map((m) => Number(m[1])).sort(), [...held].sort(), refused.stderr);
      for (const m of named) assert.deepEqual([m[2], m[3], m[4]], ['0', String(count / partitions), groupOf(lake)]);
      assert.match(refused.stderr, /is not archived to its end \(no progress for 21 s/);
      assert.ok(Date.now() - started < 60_000, 'the wait is bounded');
      // The partitions it had were archived, durably; the others were not touched.
      const archived = (await journalLines(lake)).map(({ line }) => (JSON.parse(line) as { seq: number }).seq % partitions);
      assert.deepEqual([...new Set(archived)].sort(), [0, 1, 2].filter((p) => !held.includes(p)));
      assert.equal(archived.length, (count / partitions) * (partitions - held.length));

      await other.disconnect();
      const report = await support.archiveJson(kafka, lake, topic, ['--until-idle', '1']);
      assert.deepEqual(report.partitions.map((p: Record<string, string>) => p.reached), ['200', '200', '200']);
      await assertArchivedExactlyOnce(lake, partitions, count);
    } finally {
      await other.disconnect().catch(() => undefined);
      await removeLake(lake);
    }
  });

  it('a topic that is never idle: the run ends the idle time after it reached the ends it saw at start', async () => {
    const partitions = 2;
    const topic = await producedTopic(partitions, 400);
    const { producer } = await support.topicWithProducer(kafka, 1);
    let sending = true;
    let seq = 400;
    const background = (async () => {
      while (sending) {
        await producer.send({ topic, messages: [{ partition: seq % partitions, value: JSON.stringify({ Id: 1, seq: seq++ }), timestamp: String(DAY) }] });
        await sleep(100);
      }
    })();
    const lake = await tempLake();
    try {
      const started = Date.now();
      const report = await support.archiveJson(kafka, lake, topic, ['--until-idle', '3']);
      assert.ok(Date.now() - started < 20_000, `it ended (${Date.now() - started} ms)`);
      assert.match(report.stoppedBecause, /every partition archived to its end, then 3 s more/);
      for (const p of report.partitions) assert.ok(BigInt(p.reached) >= BigInt(p.end) && BigInt(p.end) >= 200n, JSON.stringify(p));
      assert.ok(report.records > 400, 'messages produced meanwhile are archived too');
    } finally {
      sending = false;
      await background;
      await producer.disconnect();
      await removeLake(lake);
    }
  });

  it('transaction markers and aborted messages are offsets without a record: the end is still reached', async () => {
    const { topic, producer: plain } = await support.topicWithProducer(kafka, 1);
    await plain.disconnect();
    const producer = kafka.client.producer({ transactionalId: `tx-${topic}`, idempotent: true, maxInFlightRequests: 1, retry: { retries: 10 } });
    await producer.connect();
    const sendIn = async (ids: number[], outcome: 'commit' | 'abort') => {
      const tx = await producer.transaction();
      await tx.send({ topic, messages: ids.map((Id) => ({ key: String(Id), value: JSON.stringify({ Id }), timestamp: String(DAY) })) });
      await tx[outcome]();
    };
    const lake = await tempLake();
    try {
      await sendIn([0, 1, 2], 'commit');
      await sendIn([3, 4], 'abort');
      await sendIn([5], 'commit');
      // Offsets: 0-2, a commit marker, 4-5 aborted, an abort marker, 7, a commit marker: the end is 9.
      const report = await support.archiveJson(kafka, lake, topic, ['--until-idle', '1']);
      assert.deepEqual(report.partitions, [{ partition: 0, end: '9', reached: '9' }]);
      assert.deepEqual(report.next, { 0: '8' });
      assert.deepEqual((await journalLines(lake)).map(({ line }) => line), ['{"Id":0}', '{"Id":1}', '{"Id":2}', '{"Id":5}']);
      // A run that finds only the last marker ahead of the archive is complete too.
      const again = await support.archiveJson(kafka, lake, topic, ['--until-idle', '1']);
      assert.deepEqual([again.records, again.partitions], [0, [{ partition: 0, end: '9', reached: '9' }]]);
    } finally {
      await producer.disconnect();
      await removeLake(lake);
    }
  });
});

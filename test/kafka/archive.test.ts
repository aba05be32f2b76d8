// `subsnap archive` against a real Apache Kafka 4 broker (KRaft, single node) that the setup starts
// on loopback: produce → archive → run end to end; crashes at every step of a segment's write and
// kills at random moments lose and duplicate nothing; malformed messages and values that are not
// JSON objects are quarantined; offsets already deleted by retention are reported, not silently
// skipped. Completeness of --until-idle is archive-complete.test.ts's.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, runJson, subsnap } from '../support/cli.js';
import { startTestKafka, type TestKafka } from '../support/kafka-broker.js';
import * as support from '../support/kafka-archive.js';
import { archivedFiles, groupOf, newTopic, spawnArchive } from '../support/kafka-archive.js';
import { readQuarantine, readVersionRows, removeLake, tempLake } from '../support/lake-fixture.js';

let kafka: TestKafka;
before(async () => {
  kafka = await startTestKafka();
}, { timeout: 300_000 });
after(() => kafka?.stop());

const topicWithProducer = (partitions: number) => support.topicWithProducer(kafka, partitions);
const archive = (lake: string, topic: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) => support.archive(kafka, lake, topic, extra, env);
const archiveJson = (lake: string, topic: string, extra: string[] = []) => support.archiveJson(kafka, lake, topic, extra);

const GENERATED = ['--seed', '7', '--start', '2024-03-01', '--days', '3', '--records', '400', '--id-max', '300', '--dirty-rate', '0.05', '--duplicate-rate', '0.1'];

describe('subsnap archive with a real Kafka broker', { timeout: 900_000 }, () => {
  it('archives into a lake whose path holds quotes, globs, a backslash, k=v and unicode', async () => {
    const { topic, producer } = await topicWithProducer(2);
    const parent = await tempLake();
    const lake = path.join(parent, `x '"[1]*?\\{a,b}k=v ü`, 'lake');
    try {
      await fs.mkdir(lake, { recursive: true });
      await fs.cp(path.join(parent, 'catalog'), path.join(lake, 'catalog'), { recursive: true });
      const day = Date.parse('2024-05-01T12:00:00Z');
      await producer.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ key: String(i), value: JSON.stringify({ Id: i }), timestamp: String(day) })) });
      const report = await archiveJson(lake, topic);
      assert.equal(report.records, 20);
      const run = await runJson(lake);
      assert.equal(run.inputRecords, 20);
      assert.equal((await readVersionRows(run.snapshotPath)).length, 20);
    } finally {
      await producer.disconnect();
      await removeLake(parent);
    }
  });

  it('produce → archive → run gives the snapshot of the same journal written as files', async () => {
    const topic = newTopic();
    const viaKafka = await tempLake();
    const viaFiles = await tempLake();
    try {
      const produced = await subsnap(['generate', '--lake', viaKafka, '--to-kafka', '--brokers', kafka.brokers, '--topic', topic, '--partitions', '3', ...GENERATED, '--json']);
      assert.equal(produced.code, 0, produced.stderr);
      assert.equal(JSON.parse(produced.stdout).records, 1200);
      assert.equal((await subsnap(['generate', '--lake', viaFiles, ...GENERATED])).code, 0);

      const report = await archiveJson(viaKafka, topic, ['--segment-records', '150']);
      assert.equal(report.records + report.quarantined, 1200);
      // Days come from the message timestamps: the generated days, nothing else.
      const days = (await fs.readdir(path.join(viaKafka, 'journal'))).filter((d) => !d.startsWith('_')).sort();
      assert.deepEqual(days, ['date=2024-03-01', 'date=2024-03-02', 'date=2024-03-03']);
      for (const day of days) {
        for (const name of await fs.readdir(path.join(viaKafka, 'journal', day))) assert.match(name, new RegExp(`^${topic}\\+\\d{5}\\+\\d{20}\\+\\d{20}\\.jsonl$`));
      }

      // With --pii keep the quarantine keeps every record's raw text, to compare it.
      const [a, b] = [await runJson(viaKafka, ['--pii', 'keep']), await runJson(viaFiles, ['--pii', 'keep'])];
      const withoutLineage = (rows: Record<string, unknown>[]) =>
        rows.map(({ _journal_file: _f, _journal_line: _l, ...rest }) => rest);
      assert.deepEqual(withoutLineage(await readVersionRows(a.snapshotPath) as never), withoutLineage(await readVersionRows(b.snapshotPath) as never));
      // Every bad record is quarantined once: by the archive (not a JSON line) or by the run.
      const archiveQuarantine = Object.values((await archivedFiles(viaKafka)).quarantine).flatMap((t) => t.trim().split('\n')).map((l) => JSON.parse(l));
      assert.equal(archiveQuarantine.length, report.quarantined);
      for (const entry of archiveQuarantine) {
        assert.equal(entry.topic, topic);
        assert.ok(Number.isInteger(entry.partition) && /^\d+$/.test(entry.offset), 'topic, partition and offset name the message');
      }
      const rawA = [...(await readQuarantine(a.quarantinePath)).map((r) => r.raw), ...archiveQuarantine.map((e) => e.value)].sort();
      const quarantineB = await readQuarantine(b.quarantinePath);
      const rawB = quarantineB.map((r) => r.raw).sort();
      assert.deepEqual(rawA, rawB);
      // The archive rejects what the run would reject for the same reason (arrays and numbers among them).
      assert.ok(archiveQuarantine.some((e) => e.reason.startsWith('not a JSON object')), 'the generated dirty lines include non-objects');
      for (const entry of archiveQuarantine) {
        const reasonB = quarantineB.find((r) => r.raw === entry.value)?.reason;
        assert.ok(reasonB !== undefined && entry.reason.startsWith(reasonB), `${entry.value}: ${entry.reason} vs ${reasonB}`);
      }
      assert.equal(a.inputRecords + report.quarantined, b.inputRecords);

      // Archiving again finds nothing new and changes nothing.
      const before = await archivedFiles(viaKafka);
      const again = await archiveJson(viaKafka, topic, ['--segment-records', '150']);
      assert.equal(again.records + again.quarantined, 0);
      assert.deepEqual(await archivedFiles(viaKafka), before);
    } finally {
      await removeLake(viaKafka);
      await removeLake(viaFiles);
    }
  });

  it('a crash at any step of a segment, or a kill at any moment, then a restart: the same files as an uninterrupted run', async () => {
    const topic = newTopic();
    const seed = await tempLake();
    const produced = await subsnap(['generate', '--lake', seed, '--to-kafka', '--brokers', kafka.brokers, '--topic', topic, '--partitions', '3',
      '--seed', '3', '--days', '2', '--records', '3000', '--id-max', '2000', '--dirty-rate', '0.02', '--no-catalog']);
    assert.equal(produced.code, 0, produced.stderr);
    await removeLake(seed);
    const extra = ['--segment-records', '250'];
    const reference = await tempLake();
    try {
      await archiveJson(reference, topic, extra);
      const expected = await archivedFiles(reference);
      const lines = Object.values(expected.journal).flatMap((t) => t.trim().split('\n'));
      assert.ok(lines.length > 5000, 'most of the 6000 records are journal lines');

      for (const point of ['archive-staged', 'archive-state-written', 'archive-renamed']) {
        const lake = await tempLake();
        try {
          const crashed = await archive(lake, topic, extra, { SUBSNAP_CRASH_AT: point });
          assert.equal(crashed.signal, 'SIGKILL', `the archiver was killed at ${point}: ${crashed.code} ${crashed.stdout} ${crashed.stderr}`);
          const resumed = await archiveJson(lake, topic, extra);
          assert.ok(resumed.skipped >= 0);
          assert.deepEqual(await archivedFiles(lake), expected, `after a crash at ${point}`);
        } finally {
          await removeLake(lake);
        }
      }

      for (const killAfterMs of [1500, 2500]) {
        const lake = await tempLake();
        try {
          const child = spawnArchive(kafka, lake, topic, extra);
          await new Promise((r) => setTimeout(r, killAfterMs));
          await support.kill(child);
          await archiveJson(lake, topic, extra);
          assert.deepEqual(await archivedFiles(lake), expected, `after a kill at ${killAfterMs} ms`);
        } finally {
          await removeLake(lake);
        }
      }
    } finally {
      await removeLake(reference);
    }
  });

  it('malformed messages go to the quarantine with topic, partition and offset; they block nothing', async () => {
    const { topic, producer } = await topicWithProducer(1);
    const at = String(Date.parse('2024-05-01T12:00:00Z'));
    await producer.send({
      topic,
      messages: [
        { key: '1', value: '{"Id":1,"active":true,"subscription":"Premium","cost":10.50}', timestamp: at },
        { key: '2', value: '{"Id":2,', timestamp: at },
        { key: '3', value: Buffer.from([0x7b, 0xff, 0x7d]), timestamp: at },
        { key: '4', value: null, timestamp: at },
        { key: '5', value: '{\n  "Id": 5,\r\n  "subscription": "Basic Plus",\n  "cost": 1e1\n}', timestamp: at },
        { key: '6', value: '{"Id":6,"active":false}', timestamp: at },
      ],
    });
    await producer.disconnect();
    const lake = await tempLake();
    try {
      const report = await archiveJson(lake, topic);
      assert.equal(report.records, 3);
      assert.equal(report.quarantined, 3);
      const files = await archivedFiles(lake);
      const name = `date=2024-05-01/${topic}+00000+00000000000000000000+00000000000000000005.jsonl`;
      assert.deepEqual(Object.keys(files.journal), [name]);
      // The multi-line record is one line now, its tokens as written (1e1, the string's space).
      assert.equal(files.journal[name], '{"Id":1,"active":true,"subscription":"Premium","cost":10.50}\n{"Id":5,"subscription":"Basic Plus","cost":1e1}\n{"Id":6,"active":false}\n');
      const entries = files.quarantine[name]!.trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(entries.map((e) => [e.partition, e.offset, e.key, e.reason]), [
        [0, '1', '2', 'malformed JSON'],
        [0, '2', '3', 'not valid UTF-8'],
        [0, '3', '4', 'tombstone (no value): keys are never deleted'],
      ]);
      assert.equal(entries[0].value, '{"Id":2,');
      assert.equal(entries[1].valueBase64, Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'));
      assert.equal(entries.every((e) => e.topic === topic && e.timestamp === '2024-05-01T12:00:00.000Z'), true);
      const run = await runJson(lake);
      assert.equal(run.totalKeys, 3);
    } finally {
      await removeLake(lake);
    }
  });

  it('values that are not JSON objects are quarantined at archive time; the journal holds objects only, in order', async () => {
    const { topic, producer } = await topicWithProducer(1);
    const at = String(Date.parse('2024-05-02T08:00:00Z'));
    const values = [
      '[900]', // an array first: as a file's first line it would make the whole file an array document
      '{"Id":1,"active":true}',
      '"text"',
      '42',
      'null',
      'true',
      '[{"Id":3}]', // an array whose first element is an object
      '{"Id":2,"Id":4}', // valid JSON with a duplicate member name: archived, the run judges it
      ' {"Id":5, "plans":[1,2]} ',
      '{"Id":6,}', // strict JSON: no trailing comma
      'NaN',
      '{"Id":7,"cost":NaN}',
      '\ufeff{"Id":8}', // a byte order mark is not JSON whitespace
      '{"Id":9}',
    ];
    await producer.send({ topic, messages: values.map((value, i) => ({ key: String(i), value, timestamp: at })) });
    await producer.disconnect();
    const lake = await tempLake();
    try {
      const report = await archiveJson(lake, topic);
      assert.equal(report.records, 4);
      assert.equal(report.quarantined, 10);
      assert.deepEqual(report.partitions, [{ partition: 0, end: '14', reached: '14' }]);
      const files = await archivedFiles(lake);
      const name = `date=2024-05-02/${topic}+00000+00000000000000000000+00000000000000000013.jsonl`;
      assert.deepEqual(Object.keys(files.journal), [name]);
      assert.equal(files.journal[name], '{"Id":1,"active":true}\n{"Id":2,"Id":4}\n{"Id":5,"plans":[1,2]}\n{"Id":9}\n');
      const entries = files.quarantine[name]!.trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(entries.map((e) => [e.topic, e.partition, e.offset, e.reason, e.value]), [
        [topic, 0, '0', 'not a JSON object: got array', '[900]'],
        [topic, 0, '2', 'not a JSON object: got string', '"text"'],
        [topic, 0, '3', 'not a JSON object: got number', '42'],
        [topic, 0, '4', 'not a JSON object: got null', 'null'],
        [topic, 0, '5', 'not a JSON object: got boolean', 'true'],
        [topic, 0, '6', 'not a JSON object: got array', '[{"Id":3}]'],
        [topic, 0, '9', 'malformed JSON', '{"Id":6,}'],
        [topic, 0, '10', 'malformed JSON', 'NaN'],
        [topic, 0, '11', 'malformed JSON', '{"Id":7,"cost":NaN}'],
        [topic, 0, '12', 'malformed JSON', '\ufeff{"Id":8}'],
      ]);
      // The run reads the file as lines, one record per archived line, and rejects the duplicate member name.
      const run = await runJson(lake, ['--max-rejected-share', '1']);
      assert.deepEqual([run.inputRecords, run.rejectedRecords], [4, 1]);
      assert.deepEqual((await readQuarantine(run.quarantinePath)).map((r) => [r.journal_file, r.position, r.reason]), [[name, 2, 'duplicate member name']]);
    } finally {
      await removeLake(lake);
    }
  });

  it('--follow archives messages as they come, and SIGTERM writes what is pending before it stops', async () => {
    const { topic, producer } = await topicWithProducer(2);
    const lake = await tempLake();
    const child = spawn(process.execPath, [CLI, 'archive', '--lake', lake, '--brokers', kafka.brokers, '--topic', topic,
      '--group', groupOf(lake), '--follow', '--flush-interval', '1', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    // Visible files only: they are complete (renamed into place once written); pending ones may be half written.
    const journalLines = async () => (await support.journalLines(lake)).length;
    const waitFor = async (n: number) => {
      let seen = await journalLines();
      for (let i = 0; i < 100 && seen < n; i++) {
        await new Promise((r) => setTimeout(r, 200));
        seen = await journalLines();
      }
      return seen;
    };
    try {
      const send = (from: number, n: number) => producer.send({ topic, messages: Array.from({ length: n }, (_, i) => ({ key: String(from + i), value: `{"Id":${from + i}}` })) });
      await send(0, 20);
      assert.equal(await waitFor(20), 20, 'the first messages are archived within the flush interval');
      await send(20, 7);
      assert.equal(await waitFor(27), 27);
      await send(27, 3);
      await new Promise((r) => setTimeout(r, 600));
      child.kill('SIGTERM');
      const code = await new Promise((r) => child.once('close', r));
      assert.equal(code, 0);
      assert.equal(JSON.parse(stdout).stoppedBecause, 'stopped');
      // Fetched messages are written at SIGTERM; any not yet fetched are the next run's.
      assert.ok((await journalLines()) >= 27);
      await archiveJson(lake, topic);
      const lines = Object.values((await archivedFiles(lake)).journal).join('').split('\n').filter(Boolean);
      assert.deepEqual(lines.map((l) => JSON.parse(l).Id).sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i));
    } finally {
      child.kill('SIGKILL');
      await producer.disconnect();
      await removeLake(lake);
    }
  });

  it("offsets deleted by Kafka's retention before they were archived stop the archive, until the loss is accepted", async () => {
    const topic = newTopic();
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.client.producer();
    await producer.connect();
    const send = (from: number) => producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ key: String(from + i), value: `{"Id":${from + i}}` })) });
    const lake = await tempLake();
    try {
      await send(0);
      assert.equal((await archiveJson(lake, topic)).records, 10);
      await send(10);
      // What retention does when a segment expires: the earliest offset moves past 10..14.
      assert.deepEqual((await admin.fetchTopicOffsets(topic)).map((p) => [p.low, p.high]), [['0', '20']]);
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '15' }] });
      const refused = await archive(lake, topic);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /offsets 10\.\.14 were deleted by Kafka's retention before they were archived/);
      const accepted = await archiveJson(lake, topic, ['--accept-loss']);
      assert.equal(accepted.records, 5);
      assert.deepEqual(accepted.gaps.map((g: Record<string, unknown>) => [g.partition, g.first, g.last]), [[0, '10', '14']]);
      assert.match(accepted.warnings.join('\n'), /recorded as a gap/);
    } finally {
      await producer.disconnect();
      await admin.disconnect();
      await removeLake(lake);
    }
  });
});

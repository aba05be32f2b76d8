// Helpers of the `subsnap archive` tests: topics on the test broker, the CLI run against them, and
// the files an archive leaves in a lake.
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { localStorage } from '../../src/lake/storage/local-storage.js';
import { CLI, subsnap } from './cli.js';
import type { TestKafka } from './kafka-broker.js';

let topics = 0;
export const newTopic = () => `journal-${process.pid}-${++topics}`;

/** A new topic with `partitions` partitions, and a connected producer (idempotent: a retried send writes nothing twice). */
export async function topicWithProducer(kafka: TestKafka, partitions: number) {
  const topic = newTopic();
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.client.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return { topic, producer };
}

/** The group a lake's archive uses in the tests: one per lake. */
export const groupOf = (lake: string) => `g-${path.basename(lake)}`;

export function archiveArgs(kafka: TestKafka, lake: string, topic: string, extra: string[] = []): string[] {
  return ['archive', '--lake', lake, '--brokers', kafka.brokers, '--topic', topic, '--group', groupOf(lake), '--until-idle', '2', '--json', ...extra];
}

export function archive(kafka: TestKafka, lake: string, topic: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  return subsnap(archiveArgs(kafka, lake, topic, extra), env);
}

export async function archiveJson(kafka: TestKafka, lake: string, topic: string, extra: string[] = []): Promise<Record<string, any>> {
  const result = await archive(kafka, lake, topic, extra);
  if (result.code !== 0) throw new Error(`subsnap archive failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, any>;
}

/** `subsnap archive` as a child process of its own, to be killed; `errorText()` is what it wrote to stderr. */
export function spawnArchive(kafka: TestKafka, lake: string, topic: string, extra: string[] = []): ChildProcess & { errorText(): string } {
  const child = spawn(process.execPath, [CLI, ...archiveArgs(kafka, lake, topic, extra)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return Object.assign(child, { errorText: () => stderr });
}

export async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise((r) => child.once('close', r));
  child.kill('SIGKILL');
  await closed;
}

/** Entries of a folder, none when it does not exist (yet); any other failure is the caller's. */
const entriesOf = (dir: string) =>
  fs.readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [];
    throw e;
  });

/**
 * Every file below `dir` (relative path → content), hidden and pending files included. While an
 * archiver runs, a file listed and renamed before it was read makes the walk start again (its new
 * name may be in a folder already listed); a pending file may be read half written.
 */
export async function tree(dir: string): Promise<Record<string, string>> {
  for (let attempt = 1; ; attempt++) {
    const out: Record<string, string> = {};
    let vanished = false;
    const walk = async (d: string) => {
      for (const entry of await entriesOf(d)) {
        const full = path.join(d, entry.name);
        if (entry.isDirectory()) await walk(full);
        else {
          // The lake's storage reads a file that went away after it was listed as nothing.
          const content = await localStorage.read(full);
          if (content === undefined) vanished = true;
          else out[path.relative(dir, full)] = content.text;
        }
      }
    };
    await walk(dir);
    if (!vanished) return out;
    if (attempt === 50) throw new Error(`files below ${dir} kept changing while they were read`);
  }
}

/** The journal files (the archive's state aside) and the archive's quarantine files of a lake. */
export const archivedFiles = async (lake: string) => ({
  journal: await tree(path.join(lake, 'journal')).then((t) => Object.fromEntries(Object.entries(t).filter(([k]) => !k.startsWith('_archive')))),
  quarantine: await tree(path.join(lake, 'quarantine', 'archive')),
});

/** The visible journal files' lines in the run's order (file path, then line), hidden files aside. */
export async function journalLines(lake: string): Promise<{ file: string; line: string }[]> {
  const files = (await archivedFiles(lake)).journal;
  return Object.keys(files)
    .filter((name) => !path.basename(name).startsWith('.'))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .flatMap((file) => files[file]!.split('\n').filter(Boolean).map((line) => ({ file, line })));
}

// A real single-node HDFS started by `subsnap hdfs start` (jars from Maven Central, 127.0.0.1, free
// ports): its status and restart, the lake's storage contract over WebHDFS, and a Spark Connect
// server (as `subsnap spark start` runs it) writing and reading Parquet on its hdfs:// URI.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { asWriter } from '../../src/core/writer-session.js';
import { openSpark } from '../../src/engines/spark/spark-engine.js';
import { ConcurrentCommitError, readCommits, writeCommit } from '../../src/lake/commit-log.js';
import { listJournalFiles } from '../../src/lake/journal-files.js';
import { lakeLayout } from '../../src/lake/layout.js';
import { listParquetFiles } from '../../src/lake/parquet-files.js';
import type { LakeStorage } from '../../src/lake/storage/lake-storage.js';
import { webHdfsStorage } from '../../src/lake/storage/webhdfs-storage.js';
import { subsnap } from '../support/cli.js';
import { freePort } from '../support/free-port.js';
import { startTestSpark } from '../support/spark-server.js';
import { storageContract } from '../support/storage-contract.js';

/** Copies a local folder's tree into a storage folder (files put-if-absent). */
async function copyTree(from: string, storage: LakeStorage, to: string): Promise<void> {
  await storage.ensureDir(to);
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (entry.isDirectory()) await copyTree(path.join(from, entry.name), storage, `${to}/${entry.name}`);
    else await storage.createIfAbsent(`${to}/${entry.name}`, await readFile(path.join(from, entry.name)));
  }
}

interface Started { uri: string; webhdfs: string; stateDir: string; pids: Record<string, number> }

describe('HDFS from `subsnap hdfs start`', { timeout: 900_000 }, () => {
  let stateDir: string;
  let cluster: Started;
  const hdfs = (...args: string[]) => subsnap(['hdfs', ...args, '--state-dir', stateDir]);

  before(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'subsnap-hdfs-'));
    const started = await hdfs('start', '--json', '--port', String(await freePort()), '--http-port', String(await freePort()));
    assert.equal(started.code, 0, started.stderr);
    cluster = JSON.parse(started.stdout) as Started;
  });
  after(async () => {
    await hdfs('stop');
    await rm(stateDir, { recursive: true, force: true });
  });

  it('starts a NameNode and a DataNode that take writes, and says where', async () => {
    assert.match(cluster.uri, /^hdfs:\/\/127\.0\.0\.1:\d+$/);
    assert.match(cluster.webhdfs, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(cluster.pids.namenode && cluster.pids.datanode);
    const status = await hdfs('status', '--json');
    assert.equal(status.code, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).ready, true);
    const again = await hdfs('start', '--json');
    assert.equal(again.code, 0);
    assert.equal(JSON.parse(again.stdout).alreadyRunning, true, 'a second start starts nothing');
  });

  describe('the storage contract over WebHDFS', () => {
    storageContract(async () => {
      const storage = webHdfsStorage({ fsUri: cluster.uri, webhdfs: cluster.webhdfs });
      return {
        storage,
        folder: async () => {
          const dir = `/contract/${randomBytes(6).toString('hex')}`;
          await storage.ensureDir(dir);
          return dir;
        },
      };
    });
  });

  it('the commit log, a crashed writer\'s leftovers and the writer session work through the seam as on the local disk', async () => {
    const local = await mkdtemp(path.join(os.tmpdir(), 'subsnap-hdfs-log-'));
    try {
      assert.equal((await subsnap(['generate', '--lake', local, '--days', '2', '--records', '20'])).code, 0);
      assert.equal((await subsnap(['run', '--lake', local, '--until', '2024-01-01'])).code, 0);
      assert.equal((await subsnap(['run', '--lake', local])).code, 0);
      const localLayout = lakeLayout(local);
      const commits = await readCommits(localLayout);
      const storage = webHdfsStorage({ fsUri: cluster.uri, webhdfs: cluster.webhdfs });
      const layout = lakeLayout(`/lakes/${randomBytes(4).toString('hex')}`, storage);
      assert.deepEqual(await readCommits(layout), [], 'a lake without a log has no commits');
      const { protocol: _, ...first } = commits[0]!;
      await writeCommit(layout, first);
      await assert.rejects(writeCommit(layout, first), ConcurrentCommitError, 'a version is committed once');
      await asWriter(layout, async (session) => {
        assert.deepEqual(session.commits, commits.slice(0, 1));
        await session.assertLockHeld();
        assert.deepEqual(await storage.list(path.posix.dirname(layout.lock)).then((n) => n.includes('_lock')), true, 'the lock is on HDFS');
        // What a crashed writer leaves: a staged run, an uncommitted version, a temp commit record.
        await storage.ensureDir(`${layout.staging}/run-1`);
        await storage.ensureDir(`${layout.versions}/00000002`);
        await storage.createIfAbsent(`${layout.log}/00000002.json.tmp-1-ab`, 'partial');
      });
      await asWriter(layout, async (session) => {
        assert.equal(session.current?.version, 1);
        assert.equal(await storage.stat(layout.staging), undefined, 'staging removed');
        assert.deepEqual(await storage.list(layout.versions), []);
        assert.deepEqual(await storage.list(layout.log), ['00000001.json']);
        const { protocol: __, ...second } = commits[1]!;
        await writeCommit(layout, second);
      });
      assert.deepEqual(await readCommits(layout), commits, 'the same records as the local log');
      assert.deepEqual((await storage.list(path.posix.dirname(layout.lock))).filter((n) => n.startsWith('_lock')), [], 'the lock released');
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  });

  it('lists a journal and a catalog on HDFS as on the local disk: the same files, order, sizes and ignored names', async () => {
    const local = await mkdtemp(path.join(os.tmpdir(), 'subsnap-hdfs-list-'));
    try {
      assert.equal((await subsnap(['generate', '--lake', local, '--days', '3', '--records', '30', '--files-per-day', '3'])).code, 0);
      await writeFile(path.join(local, 'journal', 'date=2024-01-02', 'notes.txt'), 'not a journal file');
      await mkdir(path.join(local, 'journal', 'date=2024-02-30'));
      await mkdir(path.join(local, 'journal', 'date=2024-01-03', 'sub.jsonl'));
      await mkdir(path.join(local, 'catalog', 'more.parquet'));
      await writeFile(path.join(local, 'catalog', 'more.parquet', 'part-0.parquet'), 'PAR1');
      const storage = webHdfsStorage({ fsUri: cluster.uri, webhdfs: cluster.webhdfs });
      const remote = `/lists/${randomBytes(4).toString('hex')}`;
      await copyTree(local, storage, remote);
      const strip = (root: string, listing: Awaited<ReturnType<typeof listJournalFiles>>) => ({
        ignored: listing.ignored,
        files: listing.files.map(({ mtimeMs: _, absPath, ...f }) => ({ ...f, absPath: path.relative(root, absPath) })),
      });
      const onDisk = strip(local, await listJournalFiles(path.join(local, 'journal')));
      assert.equal(onDisk.files.length, 9);
      assert.deepEqual(strip(remote, await listJournalFiles(`${remote}/journal`, storage)), onDisk);
      assert.deepEqual(await listParquetFiles(`${remote}/catalog`, storage), await listParquetFiles(path.join(local, 'catalog')));
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  });

  it('a Spark Connect server writes and reads Parquet on the cluster\'s hdfs:// URI', async () => {
    const spark = await startTestSpark();
    const engine = await openSpark(spark.remote);
    try {
      const dir = `${cluster.uri}/spark/${randomBytes(4).toString('hex')}`;
      await engine.run(`INSERT OVERWRITE DIRECTORY '${dir}' USING parquet SELECT id, CAST(id * 3 AS STRING) AS s FROM range(1000)`);
      const rows = await engine.query(`SELECT COUNT(*) AS n, SUM(id) AS total FROM parquet.\`${dir}\``);
      assert.deepEqual(rows, [{ n: '1000', total: '499500' }]);
      const storage = webHdfsStorage({ fsUri: cluster.uri, webhdfs: cluster.webhdfs });
      const files = (await storage.list(new URL(dir).pathname)).filter((n) => n.endsWith('.parquet'));
      assert.ok(files.length >= 1, 'the Parquet files are on HDFS, listed over WebHDFS');
    } finally {
      await engine.close();
      await spark.stop();
    }
  });

  it('stops, and starts again on the same ports with its data', async () => {
    const storage = webHdfsStorage({ fsUri: cluster.uri, webhdfs: cluster.webhdfs });
    await storage.ensureDir('/kept');
    await storage.createIfAbsent('/kept/file', 'still here');
    assert.equal((await hdfs('stop')).code, 0);
    const down = await hdfs('status');
    assert.equal(down.code, 1, 'status exits 1 when it is not running');
    const [port, httpPort] = [/:(\d+)$/.exec(cluster.uri)![1]!, /:(\d+)$/.exec(cluster.webhdfs)![1]!];
    const restarted = await hdfs('start', '--json', '--port', port, '--http-port', httpPort);
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.equal((await storage.read('/kept/file'))?.text, 'still here');
  });
});

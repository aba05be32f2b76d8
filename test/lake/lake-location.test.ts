// What --lake names: a local folder, a file:// URI, or an HDFS folder and how its WebHDFS address is found.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { writeClusterRecord } from '../../src/hdfs/cluster-record.js';
import { LakeLocationError, parseHdfsUri, resolveLake } from '../../src/lake/lake-location.js';

async function withEnv<T>(env: Record<string, string | undefined>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  try {
    return await work();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
}

describe('lake location', () => {
  it('a path or a file:// URI is a local lake, resolved to an absolute path', async () => {
    const local = await resolveLake('some/lake');
    assert.equal(local.storage.scheme, 'file');
    assert.equal(local.root, path.resolve('some/lake'));
    const uri = await resolveLake('file:///data/my%20lake');
    assert.equal(uri.root, '/data/my lake');
    assert.equal(uri.storage.engineLocation('/data/my lake/x'), '/data/my lake/x');
  });

  it('an hdfs:// URI names the file system and a folder; what cannot be a lake is refused', () => {
    assert.deepEqual(parseHdfsUri('hdfs://nn.example:8020/data/lake/'), { fsUri: 'hdfs://nn.example:8020', host: 'nn.example', root: '/data/lake' });
    assert.deepEqual(parseHdfsUri('hdfs://127.0.0.1:9000/a b/ü'), { fsUri: 'hdfs://127.0.0.1:9000', host: '127.0.0.1', root: '/a b/ü' });
    for (const bad of ['hdfs://nn.example/lake', 'hdfs://nn.example:8020', 'hdfs://nn.example:8020/', 'hdfs://u@nn:1/x', 'hdfs://nn:1/x?y', 'hdfs://nn:1/x#y',
      'hdfs://nn:1/a%2Fb', 'hdfs://nn:1/a/../b', 'hdfs://nn:1/a//b', 'hdfs://nn:port/x']) {
      assert.throws(() => parseHdfsUri(bad), LakeLocationError, bad);
    }
  });

  it('other schemes are refused with what a lake can be', async () => {
    await assert.rejects(resolveLake('s3://bucket/lake'), /a local folder or hdfs:\/\/HOST:PORT\/path/);
  });

  it('the WebHDFS address: --webhdfs, then SUBSNAP_WEBHDFS, then the local cluster\'s record, then port 9870', async () => {
    const state = await mkdtemp(path.join(os.tmpdir(), 'subsnap-hdfs-state-'));
    try {
      await writeClusterRecord(state, { uri: 'hdfs://127.0.0.1:18020', webhdfs: 'http://127.0.0.1:19870' });
      const webhdfs = async (lake: string, options = {}) => (await resolveLake(lake, options)).webhdfs;
      await withEnv({ SUBSNAP_HDFS_STATE: state, SUBSNAP_WEBHDFS: undefined }, async () => {
        const local = await resolveLake('hdfs://127.0.0.1:18020/lake');
        assert.equal(local.storage.scheme, 'hdfs');
        assert.equal(local.display, 'hdfs://127.0.0.1:18020/lake');
        assert.equal(local.storage.engineLocation('/lake/x'), 'hdfs://127.0.0.1:18020/lake/x');
        assert.equal(local.webhdfs, 'http://127.0.0.1:19870', 'the local cluster\'s record');
        assert.equal(await webhdfs('hdfs://nn.example:8020/lake'), 'http://nn.example:9870', 'another cluster: its default port');
        assert.equal(await webhdfs('hdfs://127.0.0.1:18020/lake', { webhdfs: 'http://127.0.0.1:5/' }), 'http://127.0.0.1:5');
        await assert.rejects(resolveLake('hdfs://nn:8020/lake', { webhdfs: 'nn:9870' }), /expected http:\/\/HOST:PORT/);
      });
      await withEnv({ SUBSNAP_HDFS_STATE: state, SUBSNAP_WEBHDFS: 'http://gateway:14000' }, async () => {
        assert.equal(await webhdfs('hdfs://127.0.0.1:18020/lake'), 'http://gateway:14000', 'the environment before the record');
        assert.equal(await webhdfs('hdfs://127.0.0.1:18020/lake', { webhdfs: 'http://127.0.0.1:5' }), 'http://127.0.0.1:5', 'the option first');
      });
      // A damaged record is said, not passed over for port 9870; an address given does not need it.
      await writeFile(path.join(state, 'cluster.json'), '{"uri": "hdfs://127.0.0.1:18020", ');
      await withEnv({ SUBSNAP_HDFS_STATE: state, SUBSNAP_WEBHDFS: undefined }, async () => {
        await assert.rejects(resolveLake('hdfs://127.0.0.1:18020/lake'), (e: Error) => e instanceof LakeLocationError && /cluster\.json is not JSON/.test(e.message));
        assert.equal(await webhdfs('hdfs://127.0.0.1:18020/lake', { webhdfs: 'http://127.0.0.1:5' }), 'http://127.0.0.1:5');
        assert.equal(await webhdfs('hdfs://nn.example:8020/lake'), 'http://nn.example:9870', 'another host: the local record is not read');
      });
      // A record that cannot be read (a folder in its place) is said too; only a missing one is no record.
      await rm(path.join(state, 'cluster.json'));
      await mkdir(path.join(state, 'cluster.json'));
      await withEnv({ SUBSNAP_HDFS_STATE: state, SUBSNAP_WEBHDFS: undefined }, async () => {
        await assert.rejects(resolveLake('hdfs://127.0.0.1:18020/lake'), /cluster\.json cannot be read: EISDIR/);
      });
      await rm(path.join(state, 'cluster.json'), { recursive: true });
      await withEnv({ SUBSNAP_HDFS_STATE: state, SUBSNAP_WEBHDFS: undefined }, async () => {
        assert.equal(await webhdfs('hdfs://127.0.0.1:18020/lake'), 'http://127.0.0.1:9870', 'no record: the default port');
      });
    } finally {
      await rm(state, { recursive: true, force: true });
    }
  });
});

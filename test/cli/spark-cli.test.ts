// `subsnap spark`: a busy port is refused at once, naming the port and the process that holds it
// (no Spark is installed or started for that); status and stop find a server by its port and
// leave any other process alone. The real server's start/stop is exercised by the Spark tests.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../support/free-port.js';
import { subsnap } from '../support/cli.js';

describe('subsnap spark on a port held by another process', () => {
  let server: net.Server;
  let port: number;
  let stateDir: string;
  before(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'subsnap-spark-cli-'));
    server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(stateDir, { recursive: true, force: true });
  });

  it('start refuses at once with exit 2, naming the port and the listening process', async () => {
    const started = Date.now();
    const result = await subsnap(['spark', 'start', '--port', String(port), '--state-dir', stateDir]);
    assert.equal(result.code, 2, result.stdout);
    assert.match(result.stderr, new RegExp(`^subsnap: port ${port} on 127\\.0\\.0\\.1 is already in use by pid ${process.pid} \\(\\S*node`));
    assert.match(result.stderr, /pick another --port/);
    assert.ok(Date.now() - started < 15_000, 'no Spark was started to find out');
    assert.deepEqual(await readdir(stateDir), [], 'no pid file, no log');
  });

  it('status says not running (exit 1) and names the process holding the port', async () => {
    const result = await subsnap(['spark', 'status', '--port', String(port), '--state-dir', stateDir]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, new RegExp(`^not running on port ${port}; the port is held by pid ${process.pid} `));
  });

  it('stop leaves that process alone (exit 0, not running)', async () => {
    const result = await subsnap(['spark', 'stop', '--port', String(port), '--state-dir', stateDir]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^not running on port ${port}; .*left alone`));
    assert.ok(server.listening);
  });
});

describe('subsnap spark on a port nobody listens on', () => {
  it('status exits 1 (with --json too), stop exits 0', async () => {
    const port = await freePort();
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'subsnap-spark-cli-'));
    try {
      const status = await subsnap(['spark', 'status', '--port', String(port), '--state-dir', stateDir]);
      assert.equal(status.code, 1, status.stderr);
      assert.equal(status.stdout, `not running on port ${port}\n`);
      const json = await subsnap(['spark', 'status', '--port', String(port), '--state-dir', stateDir, '--json']);
      assert.equal(json.code, 1);
      assert.equal(JSON.parse(json.stdout).running, false);
      const stop = await subsnap(['spark', 'stop', '--port', String(port), '--state-dir', stateDir]);
      assert.equal(stop.code, 0, stop.stderr);
      assert.equal(stop.stdout, `not running on port ${port}\n`);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});

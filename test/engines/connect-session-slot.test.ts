// Session slots: consecutive processes get the same Spark Connect session, two live processes never
// do, a slot whose process is gone is taken over with its session, and a slot names a new session
// when asked. Real processes where it matters.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatLockRecord, LOCK_PROTOCOL } from '../../src/lake/lock-record.js';
import { parseSparkRemote } from '../../src/engines/spark/spark-remote.js';
import { openSpark } from '../../src/engines/spark/spark-engine.js';
import { probeJarDigest } from '../../src/engines/spark/spark-probe-udf.js';
import { claimSessionSlot, SESSION_SLOTS, sessionSlotDir, systemIdentity, type SessionSlot } from '../../src/engines/spark/spark-session-slot.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const remote = parseSparkRemote('sc://127.0.0.1:15002');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let dir: string;
let n = 0;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'subsnap-slots-'));
});
after(() => rm(dir, { recursive: true, force: true }));
const fresh = () => path.join(dir, `case-${++n}`);

/** A child process that claims a slot in `where`, prints its session and holds it until stopped. */
function holder(where: string): Promise<{ sessionId: string; stop: () => Promise<void> }> {
  const code = `import { claimSessionSlot } from ${JSON.stringify(path.join(root, 'src/engines/spark/spark-session-slot.ts'))};
    import { parseSparkRemote } from ${JSON.stringify(path.join(root, 'src/engines/spark/spark-remote.ts'))};
    const slot = await claimSessionSlot(parseSparkRemote('sc://127.0.0.1:15002'), 'probe', ${JSON.stringify(where)});
    console.log(slot ? slot.sessionId : 'none'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGKILL');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => void stop().then(() => reject(new Error('the holder printed nothing in 30 s'))), 30_000);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ sessionId: line, stop });
    });
    void exited.then(() => reject(new Error('the holder exited')));
  });
}

describe('Spark session slots', () => {
  it('the next claim after a release gets the same session; claims held at once get different ones', async () => {
    const where = fresh();
    // The slot's lease renews on a timer: a lease past a timer's range would renew every millisecond.
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    after(() => {
      process.off('warning', onWarning);
      assert.deepEqual(warnings, []);
    });
    const a = (await claimSessionSlot(remote, 'probe', where))!;
    const b = (await claimSessionSlot(remote, 'probe', where))!;
    assert.match(a.sessionId, UUID);
    assert.match(b.sessionId, UUID);
    assert.notEqual(a.sessionId, b.sessionId);
    const first = a.sessionId;
    await a.release();
    const again = (await claimSessionSlot(remote, 'probe', where))!;
    assert.equal(again.sessionId, first);
    await Promise.all([again.release(), b.release()]);
  });

  it('all slots held: no slot (the run gets a session of its own)', async () => {
    const where = fresh();
    const held: SessionSlot[] = [];
    for (let i = 0; i < SESSION_SLOTS; i++) held.push((await claimSessionSlot(remote, 'probe', where))!);
    assert.equal(new Set(held.map((s) => s.sessionId)).size, SESSION_SLOTS);
    assert.equal(await claimSessionSlot(remote, 'probe', where), undefined);
    await held[2]!.release();
    assert.equal((await claimSessionSlot(remote, 'probe', where))?.sessionId, held[2]!.sessionId);
  });

  it('a live process holding a slot keeps its session to itself; once it is killed, its slot and session are taken over', async () => {
    const where = fresh();
    const other = await holder(where);
    try {
      assert.match(other.sessionId, UUID);
      const mine = (await claimSessionSlot(remote, 'probe', where))!;
      assert.notEqual(mine.sessionId, other.sessionId, 'never the session of a live process');
      await mine.release();
      assert.notEqual((await claimSessionSlot(remote, 'probe', where).then(async (s) => { await s!.release(); return s!.sessionId; })), other.sessionId);
    } finally {
      await other.stop();
    }
    const taken = (await claimSessionSlot(remote, 'probe', where))!;
    assert.equal(taken.sessionId, other.sessionId, 'slot 0, its process gone, is taken over with its session');
    await taken.release();
  });

  it('a slot locked by a dead process or by an unreadable lock is free; a damaged session name is replaced', async () => {
    const where = fresh();
    const slot = (await claimSessionSlot(remote, 'probe', where))!;
    const id = slot.sessionId;
    await slot.release();
    const [lockName] = (await readdir(where)).filter((f) => f.endsWith('-0.lock') || f.endsWith('-0.session')).map((f) => f.replace(/\.(lock|session)$/, ''));
    const lock = path.join(where, `${lockName}.lock`);
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    await writeFile(lock, formatLockRecord({ protocol: LOCK_PROTOCOL, pid: deadPid, host: os.hostname(), since: new Date().toISOString(), token: `${deadPid}-x`, leaseMs: 1e15 }));
    const afterDead = (await claimSessionSlot(remote, 'probe', where))!;
    assert.equal(afterDead.sessionId, id);
    await afterDead.release();
    await writeFile(lock, '{"pid": 1, "torn');
    await writeFile(path.join(where, `${lockName}.session`), "x'; DROP TABLE t; --\n");
    const afterTorn = (await claimSessionSlot(remote, 'probe', where))!;
    assert.match(afterTorn.sessionId, UUID);
    assert.notEqual(afterTorn.sessionId, id);
    assert.equal(JSON.parse(await readFile(path.join(where, `${lockName}.session`), 'utf8')).session, afterTorn.sessionId);
    await afterTorn.release();
  });

  it('a session made by another system (a copied folder, another boot or process namespace) is never continued', async () => {
    const where = fresh();
    const here = systemIdentity();
    const made = (await claimSessionSlot(remote, 'probe', where, here))!;
    await made.release();
    for (const elsewhere of [{ ...here, host: `${here.host}-copy` }, { ...here, boot: 'another-boot' }, { ...here, pidNamespace: 'pid:[1]' }]) {
      const slot = (await claimSessionSlot(remote, 'probe', where, elsewhere))!;
      assert.equal(slot.index, 0);
      assert.notEqual(slot.sessionId, made.sessionId, JSON.stringify(elsewhere));
      await slot.release();
    }
    const [sessionFile] = (await readdir(where)).filter((f) => f.endsWith('-0.session'));
    await writeFile(path.join(where, sessionFile!), `${made.sessionId}\n`);
    const fromBareName = (await claimSessionSlot(remote, 'probe', where, here))!;
    assert.notEqual(fromBareName.sessionId, made.sessionId, 'a bare name, without whose it is, is not continued');
    await assert.rejects(fromBareName.release().then(() => fromBareName.renew()), /after releasing it/);
  });

  it('a failed open frees its slot', async () => {
    const where = fresh();
    const saved = process.env.SUBSNAP_SPARK_SESSIONS;
    process.env.SUBSNAP_SPARK_SESSIONS = where;
    try {
      await assert.rejects(openSpark('sc://127.0.0.1:1'));
    } finally {
      if (saved === undefined) delete process.env.SUBSNAP_SPARK_SESSIONS;
      else process.env.SUBSNAP_SPARK_SESSIONS = saved;
    }
    const slot = (await claimSessionSlot(parseSparkRemote('sc://127.0.0.1:1'), (await probeJarDigest()) ?? 'none', where))!;
    assert.equal(slot.index, 0);
    await slot.release();
  });

  it('renew names a new session for the slot, kept for the next claim; another server, user, token or probe build has other slots', async () => {
    const where = fresh();
    const slot = (await claimSessionSlot(remote, 'probe', where))!;
    const before = slot.sessionId;
    const renewed = await slot.renew();
    assert.notEqual(renewed, before);
    assert.equal(slot.sessionId, renewed);
    await slot.release();
    const next = (await claimSessionSlot(remote, 'probe', where))!;
    assert.equal(next.sessionId, renewed);
    await next.release();
    for (const [url, probe] of [['sc://127.0.0.1:15003', 'probe'], ['sc://127.0.0.1:15002/;user_id=other', 'probe'],
      ['sc://127.0.0.1:15002/;token=abc', 'probe'], ['sc://127.0.0.1:15002', 'another build']] as const) {
      const elsewhere = (await claimSessionSlot(parseSparkRemote(url), probe, where))!;
      assert.notEqual(elsewhere.sessionId, renewed, `${url} ${probe}`);
      await elsewhere.release();
    }
  });

  it('the folder: SUBSNAP_SPARK_SESSIONS, else XDG_CACHE_HOME, else ~/.cache', () => {
    assert.equal(sessionSlotDir({ SUBSNAP_SPARK_SESSIONS: '/x' }), '/x');
    assert.equal(sessionSlotDir({ XDG_CACHE_HOME: '/c' }), path.join('/c', 'subsnap', 'spark-sessions'));
    assert.equal(sessionSlotDir({}), path.join(os.homedir(), '.cache', 'subsnap', 'spark-sessions'));
  });
});

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
import { claimSessionSlot, SESSION_SLOTS, sessionSlotDir, type SessionSlot } from '../../src/engines/spark/spark-session-slot.js';

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

/** A child process that claims a slot in `where`, prints its session and holds it until killed. */
function holder(where: string): Promise<{ sessionId: string; stop: () => void }> {
  const code = `import { claimSessionSlot } from ${JSON.stringify(path.join(root, 'src/engines/spark/spark-session-slot.ts'))};
    import { parseSparkRemote } from ${JSON.stringify(path.join(root, 'src/engines/spark/spark-remote.ts'))};
    const slot = await claimSessionSlot(parseSparkRemote('sc://127.0.0.1:15002'), 'probe', ${JSON.stringify(where)});
    console.log(slot ? slot.sessionId : 'none'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve({ sessionId: line, stop: () => child.kill('SIGKILL') }));
    child.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
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
      other.stop();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
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
    assert.equal((await readFile(path.join(where, `${lockName}.session`), 'utf8')).trim(), afterTorn.sessionId);
    await afterTorn.release();
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

// The writer lock: put-if-absent with its whole content, a lease its holder renews, stale locks
// (unreadable, dead process, expired lease) taken over by exactly one of racing processes, and a
// holder that learns before its commit point that it lost the lock. Real processes where it matters.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  acquireWriterLock, DEFAULT_LEASE_MS, LakeLockedError, leaseFromEnv, LockLostError, WriterLockError,
} from '../../src/lake/writer-lock.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHILD = path.join(root, 'test', 'support', 'lock-child.ts');
const HOST = os.hostname();
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;

let dir: string;
let n = 0;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'subsnap-lock-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});
/** A fresh folder per case, its lock not yet there. */
async function lockIn(): Promise<string> {
  const sub = path.join(dir, `case-${++n}`);
  await mkdir(sub);
  return path.join(sub, '_lock');
}

async function writeLock(file: string, content: string | object, ageMs = 0): Promise<void> {
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  const at = new Date(Date.now() - ageMs);
  await utimes(file, at, at);
}

const record = (fields: Record<string, unknown> = {}) => ({
  protocol: 1, pid: process.pid, host: HOST, since: new Date().toISOString(), token: 'other-token', leaseMs: 60_000, ...fields,
});
const legacy = (fields: Record<string, unknown> = {}) => ({ pid: process.pid, host: HOST, since: '2024-01-01T00:00:00.000Z', token: 't', ...fields });

/** Acquires, checks the lock file is now this holder's record, releases: a takeover happened. */
async function assertTakenOver(lockPath: string): Promise<void> {
  const lock = await acquireWriterLock(lockPath);
  const now = JSON.parse(await readFile(lockPath, 'utf8'));
  assert.equal(now.pid, process.pid);
  assert.equal(now.host, HOST);
  assert.match(now.token, new RegExp(`^${process.pid}-[0-9a-f]{16}$`));
  assert.equal(now.protocol, 1);
  assert.equal(now.leaseMs, DEFAULT_LEASE_MS);
  await lock.release();
  assert.deepEqual(await readdir(path.dirname(lockPath)), [], 'released, and no temp file or marker left behind');
}

describe('what is stale and what is held', () => {
  const taken: [string, () => string | object, number?][] = [
    ['an empty file (a crash between create and write of an older version)', () => ''],
    ['a torn record', () => '{"protocol":1,"pid":12'],
    ['garbage', () => 'not a lock\u0000\u00ff'],
    ['JSON that is not a record', () => '{}'],
    ['a JSON array', () => '[1,2]'],
    ['the old wedge: pid -1', () => legacy({ pid: -1 })],
    ['pid 0 (signals the process group)', () => record({ pid: 0 })],
    ['a record with a non-numeric pid', () => record({ pid: '123' })],
    ['this host, process gone', () => record({ pid: deadPid() })],
    ['this host, a subsnap 0.1 record whose process is gone', () => legacy({ pid: deadPid() })],
    ['this host, live process, lease not renewed for longer than it', () => record({ leaseMs: 1_000 }), 5_000],
    ['another host, lease expired', () => record({ host: 'elsewhere.example', pid: 1 }), 61_000],
    ['another host, its own short lease expired', () => record({ host: 'elsewhere.example', pid: 1, leaseMs: 500 }), 2_000],
    ['another host, subsnap 0.1 record older than our lease', () => legacy({ host: 'elsewhere.example', pid: 1 }), DEFAULT_LEASE_MS + 1_000],
  ];
  for (const [name, content, ageMs] of taken) {
    it(`takes over: ${name}`, async () => {
      const lockPath = await lockIn();
      await writeLock(lockPath, content(), ageMs);
      await assertTakenOver(lockPath);
    });
  }

  const held: [string, () => object, number?][] = [
    ['this host, live process, fresh lease', () => record()],
    ['this host, live subsnap 0.1 holder (never renewed, so its age does not count)', () => legacy(), 10 * DEFAULT_LEASE_MS],
    ['another host, fresh lease', () => record({ host: 'elsewhere.example', pid: 1 }), 50_000],
    ['another host, subsnap 0.1 record within our lease', () => legacy({ host: 'elsewhere.example', pid: 1 }), 1_000],
  ];
  for (const [name, content, ageMs] of held) {
    it(`respects: ${name}`, async () => {
      const lockPath = await lockIn();
      const holder = content() as { pid: number; host: string };
      await writeLock(lockPath, holder, ageMs);
      const before = await readFile(lockPath, 'utf8');
      await assert.rejects(acquireWriterLock(lockPath), (error: unknown) => {
        assert.ok(error instanceof LakeLockedError);
        assert.equal(error.holder.pid, holder.pid);
        assert.equal(error.holder.host, holder.host);
        assert.match(error.message, new RegExp(`^another subsnap run holds the lake \\(pid ${holder.pid} on ${holder.host.replaceAll('.', '\\.')}, since `));
        return true;
      });
      assert.equal(await readFile(lockPath, 'utf8'), before, 'the lock is untouched');
      assert.deepEqual(await readdir(path.dirname(lockPath)), ['_lock']);
    });
  }

  it('refuses a lock of a newer protocol instead of judging it', async () => {
    const lockPath = await lockIn();
    await writeLock(lockPath, record({ protocol: 2, pid: deadPid() }));
    await assert.rejects(acquireWriterLock(lockPath), (error: unknown) => {
      assert.ok(error instanceof WriterLockError && !(error instanceof LakeLockedError));
      assert.equal(error.message, `lock ${lockPath} was written by a newer subsnap (lock protocol 2; this one reads up to 1): upgrade subsnap`);
      return true;
    });
  });

  it('a second acquisition in the holding process is refused too', async () => {
    const lockPath = await lockIn();
    const lock = await acquireWriterLock(lockPath);
    await assert.rejects(acquireWriterLock(lockPath), LakeLockedError);
    await lock.assertHeld();
    await lock.release();
    await lock.release();
    assert.deepEqual(await readdir(path.dirname(lockPath)), []);
  });

  it('the lease comes from SUBSNAP_LOCK_LEASE_MS, checked', () => {
    assert.equal(leaseFromEnv({}), 120_000);
    assert.equal(leaseFromEnv({ SUBSNAP_LOCK_LEASE_MS: '2500' }), 2_500);
    for (const bad of ['abc', '-5', '1.5', '5']) {
      assert.throws(() => leaseFromEnv({ SUBSNAP_LOCK_LEASE_MS: bad }), /SUBSNAP_LOCK_LEASE_MS: got ".*", expected a whole number of milliseconds, at least 10/);
    }
  });
});

describe('crashes around the lock', () => {
  const crashIn = (lake: string, point: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      const { asWriter } = await import(${JSON.stringify(path.join(root, 'src', 'core', 'writer-session.ts'))});
      await asWriter(${JSON.stringify(lake)}, async () => undefined);
      console.log('not killed');`], { cwd: root, env: { ...process.env, SUBSNAP_CRASH_AT: point }, encoding: 'utf8' });

  it('SIGKILL between the lock record\'s write and its link leaves no lock: the next writer gets it at once', async () => {
    const lake = path.join(dir, `lake-${++n}`);
    const killed = crashIn(lake, 'lock-written');
    assert.equal(killed.signal, 'SIGKILL', killed.stdout + killed.stderr);
    const left = await readdir(path.join(lake, 'snapshot'));
    assert.equal(left.length, 1);
    assert.match(left[0]!, /^_lock\.tmp-/, 'only the durable temp file is left, no lock');
    const temp = JSON.parse(await readFile(path.join(lake, 'snapshot', left[0]!), 'utf8'));
    assert.equal(temp.pid, killed.pid, 'the temp file holds the whole record');

    const started = Date.now();
    const lock = await acquireWriterLock(path.join(lake, 'snapshot', '_lock'));
    assert.ok(Date.now() - started < 1_000, 'at once');
    assert.deepEqual(await readdir(path.join(lake, 'snapshot')), ['_lock'], 'the dead writer\'s temp file is removed');
    await lock.release();
  });

  it('SIGKILL right after the link leaves a lock of a dead process: taken over at once', async () => {
    const lake = path.join(dir, `lake-${++n}`);
    const killed = crashIn(lake, 'locked');
    assert.equal(killed.signal, 'SIGKILL', killed.stdout + killed.stderr);
    const lockPath = path.join(lake, 'snapshot', '_lock');
    assert.equal(JSON.parse(await readFile(lockPath, 'utf8')).pid, killed.pid);
    const lock = await acquireWriterLock(lockPath);
    await lock.release();
  });

  it('a marker left by a recoverer that died does not wedge the lock', async () => {
    const lockPath = await lockIn();
    const stale = JSON.stringify(record({ pid: deadPid() }));
    await writeLock(lockPath, stale);
    const digest = createHash('sha256').update(stale).digest('hex').slice(0, 16);
    await writeLock(`${lockPath}.break-${digest}.1`, record({ pid: deadPid() }));
    await writeLock(`${lockPath}.break-0123456789abcdef.1`, record({ pid: deadPid() }));
    await assertTakenOver(lockPath);
  });

  it('while a live process removes a stale lock, the next one waits for it, then proceeds', async () => {
    const lockPath = await lockIn();
    const stale = JSON.stringify(record({ pid: deadPid() }));
    await writeLock(lockPath, stale);
    const marker = `${lockPath}.break-${createHash('sha256').update(stale).digest('hex').slice(0, 16)}.1`;
    await writeLock(marker, record());
    const acquiring = acquireWriterLock(lockPath);
    await sleep(300);
    assert.equal(await readFile(lockPath, 'utf8'), stale, 'not removed under a live marker');
    await rm(marker);
    const lock = await acquiring;
    await lock.release();
  });
});

/** A child process holding a lock (test/support/lock-child.ts), driven line by line. */
class Holder {
  readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private waiting: ((line: string) => void) | undefined;
  stderr = '';

  constructor(lockPath: string, env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'hold', lockPath], { cwd: root, env: { ...process.env, ...env } });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (this.waiting) {
        const resolve = this.waiting;
        this.waiting = undefined;
        resolve(line);
      } else this.lines.push(line);
    });
  }

  next(): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.child.once('exit', () => reject(new Error(`the holder exited: ${this.stderr}`)));
    });
  }

  send(line: string): Promise<string> {
    this.child.stdin.write(`${line}\n`);
    return this.next();
  }

  exited(): Promise<void> {
    return this.child.exitCode !== null || this.child.signalCode !== null
      ? Promise.resolve()
      : new Promise((resolve) => this.child.once('exit', () => resolve()));
  }
}

describe('the lease', () => {
  it('a live holder renews it: its lock outlives several leases, then its release frees it', async () => {
    const lockPath = await lockIn();
    const holder = new Holder(lockPath, { SUBSNAP_LOCK_LEASE_MS: '600' });
    try {
      assert.equal(await holder.next(), 'held');
      const first = (await stat(lockPath)).mtimeMs;
      await sleep(2_000);
      const age = Date.now() - (await stat(lockPath)).mtimeMs;
      assert.ok((await stat(lockPath)).mtimeMs > first, 'renewed');
      assert.ok(age < 600, `renewed within the lease (age ${age} ms)`);
      await assert.rejects(acquireWriterLock(lockPath), (error: unknown) => error instanceof LakeLockedError && error.holder.pid === holder.child.pid);
      assert.equal(await holder.send('assert'), 'held');
      assert.equal(await holder.send('release'), 'released');
      await holder.exited();
      assert.deepEqual(await readdir(path.dirname(lockPath)), []);
    } finally {
      holder.child.kill('SIGKILL');
    }
  });

  it('a holder paused past its lease loses the lock: assertHeld fails, and its release leaves the new lock alone', async () => {
    const lockPath = await lockIn();
    const holder = new Holder(lockPath, { SUBSNAP_LOCK_LEASE_MS: '500' });
    try {
      assert.equal(await holder.next(), 'held');
      holder.child.kill('SIGSTOP');
      await sleep(1_000);
      const lock = await acquireWriterLock(lockPath);
      const mine = await readFile(lockPath, 'utf8');
      holder.child.kill('SIGCONT');
      const answer = await holder.send('assert');
      assert.match(answer, new RegExp(`^lost: lost the lock ${lockPath.replaceAll('.', '\\.')}: pid ${process.pid} on ${HOST} took it over at `));
      assert.match(answer, /stopping before the commit point: run again$/);
      assert.equal(await holder.send('release'), 'released');
      await holder.exited();
      await sleep(200);
      assert.equal(await readFile(lockPath, 'utf8'), mine, 'the old holder neither removed nor renewed the new lock');
      await lock.assertHeld();
      await lock.release();
    } finally {
      holder.child.kill('SIGKILL');
    }
  });

  it('assertHeld fails when the lock file was replaced or removed, or its lease ran low', async () => {
    const lockPath = await lockIn();
    const lock = await acquireWriterLock(lockPath, { leaseMs: 60_000 });
    await lock.assertHeld();
    const old = new Date(Date.now() - 50_000);
    await utimes(lockPath, old, old);
    await assert.rejects(lock.assertHeld(), (error: unknown) =>
      error instanceof LockLostError && /the lease of lock .* was not renewed for 50(\.\d)? s \(lease 60 s\)/.test(error.message));
    const mine = await readFile(lockPath, 'utf8');
    await writeLock(lockPath, record({ host: 'elsewhere.example', pid: 7 }));
    await assert.rejects(lock.assertHeld(), /lost the lock .*: pid 7 on elsewhere\.example took it over at /);
    await rm(lockPath);
    await assert.rejects(lock.assertHeld(), /lost the lock .*: it was removed, after this process/);
    await writeFile(lockPath, mine);
    await lock.release();
  });
});

describe('racing processes', () => {
  const CHILDREN = 8;
  const ROUNDS: [string, (lockPath: string) => Promise<void>][] = [
    ['no lock', async () => undefined],
    ['an empty lock', (p) => writeLock(p, '')],
    ['a lock of a dead process', (p) => writeLock(p, record({ pid: deadPid() }))],
    ['an expired lock of another host', (p) => writeLock(p, record({ host: 'elsewhere.example', pid: 1, leaseMs: 1_000 }), 5_000)],
    ['garbage', (p) => writeLock(p, '\u0000garbage')],
  ];
  for (const [name, prepare] of ROUNDS) {
    it(`${CHILDREN} processes, 3 acquisitions each, starting against ${name}; two of them exit holding it: never two holders`, async () => {
      const work = path.dirname(await lockIn());
      const lockPath = path.join(work, 'lock', '_lock');
      await mkdir(path.dirname(lockPath));
      await mkdir(path.join(work, 'holders'));
      await prepare(lockPath);
      const children = Array.from({ length: CHILDREN }, (_, i) =>
        spawn(process.execPath, ['--import', 'tsx', CHILD, 'race', lockPath, work, '3'], {
          cwd: root, env: { ...process.env, LEAK: i % 4 === 0 ? '1' : '0' },
        }));
      const results = children.map((child) => new Promise<{ code: number | null; stderr: string }>((resolve) => {
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => resolve({ code, stderr }));
      }));
      await Promise.all(children.map((child) => new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', (line) => (line === 'ready' ? resolve() : reject(new Error(line))));
        child.once('exit', () => reject(new Error('a child exited before it was ready')));
      })));
      await writeFile(path.join(work, 'go'), '');
      for (const [i, result] of (await Promise.all(results)).entries()) {
        assert.equal(result.code, 0, `child ${i}: ${result.stderr}`);
      }
      assert.deepEqual(await readdir(path.join(work, 'holders')), []);
      const left = await readdir(path.dirname(lockPath));
      assert.ok(left.length <= 1 && left.every((f) => f === '_lock'), `no temp file or marker left: ${left.join(', ')}`);
      await assertTakenOver(lockPath);
      await rm(work, { recursive: true });
    });
  }
});

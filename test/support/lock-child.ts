// A process that takes a writer lock, for the lock tests (test/lake/writer-lock.test.ts):
//   hold LOCK           takes the lock, prints `held`; then per stdin line: `assert` prints `held` or
//                       `lost: MESSAGE`, `release` releases and exits.
//   race LOCK DIR N     prints `ready`, waits for DIR/go, then N times: takes the lock (retrying while
//                       another holds it), checks under it that it is alone (DIR/holders/), releases.
//                       With LEAK=1 it exits holding the lock after the last one, as a crash would.
import { existsSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { acquireWriterLock, LakeLockedError, type WriterLock } from '../../src/lake/writer-lock.js';

const [mode, lockPath, dir, count] = process.argv.slice(2);

async function hold(): Promise<void> {
  const lock = await acquireWriterLock(lockPath!);
  console.log('held');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'assert') {
      try {
        await lock.assertHeld();
        console.log('held');
      } catch (error) {
        console.log(`lost: ${(error as Error).message}`);
      }
    } else if (line === 'release') {
      await lock.release();
      console.log('released');
      return;
    }
  }
}

async function race(): Promise<void> {
  const holders = path.join(dir!, 'holders');
  console.log('ready');
  while (!existsSync(path.join(dir!, 'go'))) await sleep(2);
  const deadline = Date.now() + 90_000;
  for (let i = 0; i < Number(count); i++) {
    let lock: WriterLock | undefined;
    while (!lock) {
      try {
        lock = await acquireWriterLock(lockPath!);
      } catch (error) {
        if (!(error instanceof LakeLockedError) || Date.now() > deadline) throw error;
        await sleep(1 + Math.random() * 8);
      }
    }
    const mine = path.join(holders, String(process.pid));
    await writeFile(mine, '', { flag: 'wx' });
    for (let check = 0; check < 3; check++) {
      const present = await readdir(holders);
      if (present.length !== 1) {
        console.error(`not alone under the lock: ${present.join(', ')}`);
        process.exit(3);
      }
      await sleep(1 + Math.random() * 3);
    }
    await rm(mine);
    if (process.env.LEAK === '1' && i === Number(count) - 1) process.exit(0);
    await lock.release();
  }
}

await (mode === 'hold' ? hold() : race());
// Standard input may still be open: the work is done.
process.exit(0);

/**
 * A writing operation's scratch folder under `snapshot/_staging/`: it may hold decompressed journal
 * text (personal data included), so it never outlives the operation. It is removed when the
 * operation ends, however it ends short of SIGKILL (an error, SIGINT, SIGTERM, SIGHUP); after a
 * SIGKILL the next writer removes it before anything else (see leftovers.ts).
 */
import type { LakeStorage } from './storage/lake-storage.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function withRunStaging<T>(storage: LakeStorage, dir: string, work: () => Promise<T>): Promise<T> {
  await storage.ensureDir(dir);
  const onSignal = (signal: NodeJS.Signals) => {
    for (const s of SIGNALS) process.off(s, onSignal);
    // Then the signal again, now without a handler: the process ends as it would have.
    void storage.removeTree(dir).catch(() => undefined).finally(() => process.kill(process.pid, signal));
  };
  for (const s of SIGNALS) process.once(s, onSignal);
  try {
    return await work();
  } finally {
    for (const s of SIGNALS) process.off(s, onSignal);
    await storage.removeTree(dir);
  }
}

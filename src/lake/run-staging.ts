/**
 * A writing operation's scratch folder under `snapshot/_staging/`: it may hold decompressed journal
 * text (personal data included), so it never outlives the operation. It is removed when the
 * operation ends, however it ends short of SIGKILL (an error, SIGINT, SIGTERM, SIGHUP); after a
 * SIGKILL the next writer removes it before anything else (see leftovers.ts).
 */
import { rmSync, promises as fs } from 'node:fs';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function withRunStaging<T>(dir: string, work: () => Promise<T>): Promise<T> {
  await fs.mkdir(dir, { recursive: true });
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(dir, { recursive: true, force: true });
    for (const s of SIGNALS) process.off(s, onSignal);
    process.kill(process.pid, signal);
  };
  for (const s of SIGNALS) process.once(s, onSignal);
  try {
    return await work();
  } finally {
    for (const s of SIGNALS) process.off(s, onSignal);
    await fs.rm(dir, { recursive: true, force: true });
  }
}

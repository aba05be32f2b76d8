import path from 'node:path';
import { deltaLogDir } from './delta-log.js';
import { quarantineDir, versionDir, type LakeLayout } from './layout.js';

/**
 * Remove what a crashed run left behind: staging, and version or quarantine folders that no commit
 * names. Called under the writer lock, so nothing here can belong to a live run.
 */
export async function removeLeftovers(layout: LakeLayout, currentVersion: number): Promise<string[]> {
  const removed: string[] = [];
  const committed = new Set<string>();
  for (let v = 1; v <= currentVersion; v++) {
    committed.add(versionDir(layout, v));
    committed.add(quarantineDir(layout, v));
  }
  const sweep = async (dir: string, pattern: RegExp) => {
    for (const name of await layout.storage.list(dir)) {
      const full = path.join(dir, name);
      if (pattern.test(name) && !committed.has(full)) {
        await layout.storage.removeTree(full);
        removed.push(full);
      }
    }
  };
  await sweep(layout.versions, /^\d{8}/);
  await sweep(layout.quarantine, /^version=\d{8}/);
  await sweep(layout.log, /\.tmp-/);
  await sweep(deltaLogDir(layout), /\.tmp-/);
  if (await layout.storage.stat(layout.staging)) {
    await layout.storage.removeTree(layout.staging);
    removed.push(layout.staging);
  }
  return removed;
}


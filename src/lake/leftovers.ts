import { promises as fs } from 'node:fs';
import path from 'node:path';
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
    let names: string[] = [];
    try {
      names = await fs.readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const full = path.join(dir, name);
      if (pattern.test(name) && !committed.has(full)) {
        await fs.rm(full, { recursive: true, force: true });
        removed.push(full);
      }
    }
  };
  await sweep(layout.versions, /^\d{8}/);
  await sweep(layout.quarantine, /^version=\d{8}/);
  await sweep(layout.log, /\.tmp-/);
  if (await fs.stat(layout.staging).catch(() => undefined)) {
    await fs.rm(layout.staging, { recursive: true, force: true });
    removed.push(layout.staging);
  }
  return removed;
}


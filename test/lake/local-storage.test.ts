// The storage seam's contract (test/support/storage-contract.ts) on the local file system.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe } from 'node:test';
import { localStorage } from '../../src/lake/storage/local-storage.js';
import { storageContract } from '../support/storage-contract.js';

describe('local storage', () => {
  const folders: string[] = [];
  after(async () => {
    for (const f of folders) await rm(f, { recursive: true, force: true });
  });
  storageContract(async () => ({
    storage: localStorage,
    folder: async () => {
      const f = await mkdtemp(path.join(os.tmpdir(), 'subsnap-storage-'));
      folders.push(f);
      return f;
    },
  }));
});

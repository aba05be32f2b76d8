import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { segmentFileName } from '../../src/kafka/archive-records.js';
import { ArchiveStore } from '../../src/kafka/archive-store.js';
import { archiveQuarantineDir, archiveStateDir, lakeLayout } from '../../src/lake/layout.js';

describe('ArchiveStore recovery', () => {
  it('removes the temporary twins a kill left of its pending files and state, and nothing of another topic', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'subsnap-archive-store-'));
    try {
      const layout = lakeLayout(path.join(dir, 'lake'));
      const day = path.join(layout.journal, 'date=2024-01-02');
      const quarantineDay = path.join(archiveQuarantineDir(layout), 'date=2024-01-02');
      await Promise.all([day, quarantineDay, archiveStateDir(layout)].map((d) => fs.mkdir(d, { recursive: true })));
      const own = segmentFileName('orders', 2, 1500n, 1749n);
      const other = segmentFileName('refunds', 0, 0n, 9n);
      const left = [
        path.join(day, `.${own}.pending.tmp-29851-274d32189244`),
        path.join(quarantineDay, `.${own}.pending.tmp-7-00ff00ff00ff`),
        path.join(archiveStateDir(layout), 'orders.json.tmp-29851-0123456789ab'),
      ];
      const kept = [
        path.join(day, `.${other}.pending.tmp-1-aaaaaaaaaaaa`),
        path.join(day, 'a.jsonl.tmp-1-aaaaaaaaaaaa'),
        path.join(archiveStateDir(layout), 'refunds.json.tmp-1-aaaaaaaaaaaa'),
      ];
      for (const file of [...left, ...kept]) await fs.writeFile(file, '{"torn');
      const { store, recovered } = await ArchiveStore.open(layout, 'orders');
      await store.close();
      for (const file of left) await assert.rejects(fs.stat(file), { code: 'ENOENT' }, file);
      for (const file of kept) await fs.stat(file);
      assert.deepEqual([...recovered.rolledBack].sort(), left.slice(0, 2).sort());
      assert.deepEqual(recovered.rolledForward, []);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * The archive's side of the lake: where a topic's segments go, and the two-phase protocol that
 * makes each segment appear whole or not at all, exactly once (docs/PROTOCOL.md, "The Kafka archive").
 *
 * A segment is a range of offsets of one partition. Its records become one journal file per day
 * (and one quarantine file per day for messages that cannot be journal lines), all named after the
 * range. Writing one:
 *   1. every file is written under a hidden name (`.<name>.pending`, which the run ignores), durably;
 *   2. the topic's state file records the partition's next offset (temp file, fsync, rename): this
 *      is the commit point;
 *   3. the hidden files are renamed to their names;
 *   4. the consumer group's offset is committed in Kafka.
 * On start, pending files of committed segments are renamed (roll forward) and the others removed
 * (roll back). The state file, not Kafka's committed offset, says where the archive stands, so a
 * message delivered again after a crash is recognized and skipped; visible files are never rewritten.
 * Every file operation goes through the lake's storage (a local disk or HDFS).
 */
import path from 'node:path';
import { crashPoint } from '../core/fault-points.js';
import { tempSiblingTarget } from '../lake/durable-fs.js';
import { archiveQuarantineDir, archiveStateDir, dayFolderName, type LakeLayout } from '../lake/layout.js';
import { acquireWriterLock, LakeLockedError, type WriterLock } from '../lake/writer-lock.js';
import { parseSegmentFileName, segmentFileName, type QuarantineEntry } from './archive-records.js';
import { ArchiveStateError, emptyArchiveState, formatArchiveState, parseArchiveState, type ArchiveGap, type ArchiveState } from './archive-state.js';

export type { ArchiveGap } from './archive-state.js';

export interface SegmentContent {
  partition: number;
  first: bigint;
  last: bigint;
  /** Journal lines by day, in offset order. */
  lines: Map<string, string[]>;
  quarantined: Map<string, QuarantineEntry[]>;
}

const pendingName = (name: string) => `.${name}.pending`;
const PENDING = /^\.(.+)\.pending$/;

export class ArchiveStore {
  private constructor(
    private readonly layout: LakeLayout,
    readonly topic: string,
    private readonly state: ArchiveState,
    private readonly lock: WriterLock,
  ) {}

  /** Takes the topic's archive lock, reads its state and finishes or undoes an interrupted segment. */
  static async open(layout: LakeLayout, topic: string): Promise<{ store: ArchiveStore; recovered: { rolledForward: string[]; rolledBack: string[] } }> {
    const { storage } = layout;
    const dir = archiveStateDir(layout);
    await storage.ensureDir(dir);
    let lock: WriterLock;
    try {
      lock = await acquireWriterLock(path.join(dir, `${topic}.lock`), { storage });
    } catch (error) {
      if (error instanceof LakeLockedError) {
        throw new Error(`another archiver (pid ${error.holder.pid} on ${error.holder.host}) is archiving topic ${topic} into this lake`);
      }
      throw error;
    }
    try {
      const file = path.join(dir, `${topic}.json`);
      let state = emptyArchiveState(topic);
      let text: string | undefined;
      try {
        text = (await storage.read(file))?.text;
      } catch (error) {
        throw new ArchiveStateError(`cannot read archive state ${file}: ${(error as Error).message}`);
      }
      if (text !== undefined) state = parseArchiveState(text, file, topic);
      const store = new ArchiveStore(layout, topic, state, lock);
      return { store, recovered: await store.recover() };
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.lock.release();
  }

  /** The first offset of `partition` not yet archived (undefined: nothing archived yet). */
  nextOffset(partition: number): bigint | undefined {
    const next = this.state.next[String(partition)];
    return next === undefined ? undefined : BigInt(next);
  }

  get gaps(): readonly ArchiveGap[] {
    return this.state.gaps;
  }

  /** Records that Kafka no longer holds `first..last` of a partition, and moves past them. */
  async recordGap(partition: number, first: bigint, last: bigint): Promise<void> {
    this.state.gaps.push({ partition, first: first.toString(), last: last.toString(), recordedAt: new Date().toISOString() });
    this.state.next[String(partition)] = (last + 1n).toString();
    await this.saveState();
  }

  /** Writes one segment with the protocol above; returns the journal files it made visible. */
  async writeSegment(segment: SegmentContent): Promise<string[]> {
    const name = segmentFileName(this.topic, segment.partition, segment.first, segment.last);
    const targets: { dir: string; name: string; content: string }[] = [];
    for (const [day, lines] of segment.lines) {
      targets.push({ dir: path.join(this.layout.journal, dayFolderName(day)), name, content: `${lines.join('\n')}\n` });
    }
    for (const [day, entries] of segment.quarantined) {
      targets.push({
        dir: path.join(archiveQuarantineDir(this.layout), dayFolderName(day)),
        name,
        content: `${entries.map((e) => JSON.stringify(e)).join('\n')}\n`,
      });
    }
    const { storage } = this.layout;
    const dirs = new Set(targets.map((t) => t.dir));
    for (const dir of dirs) await storage.ensureDir(dir);
    // A pending file left by a crash before the state moved is rolled back on open: none is here now.
    for (const t of targets) await storage.replace(path.join(t.dir, pendingName(t.name)), t.content);
    for (const dir of dirs) await storage.syncFolder(dir);
    crashPoint('archive-staged');

    this.state.next[String(segment.partition)] = (segment.last + 1n).toString();
    await this.saveState();
    crashPoint('archive-state-written');

    for (const t of targets) await storage.rename(path.join(t.dir, pendingName(t.name)), path.join(t.dir, t.name));
    for (const dir of dirs) await storage.syncFolder(dir);
    crashPoint('archive-renamed');
    return targets.filter((t) => t.dir.startsWith(this.layout.journal)).map((t) => path.join(t.dir, t.name));
  }

  private async saveState(): Promise<void> {
    // The state file is the archive's commit point: only the lock's holder may move it.
    await this.lock.assertHeld();
    await this.layout.storage.replace(path.join(archiveStateDir(this.layout), `${this.topic}.json`), formatArchiveState(this.state));
  }

  /** Pending files of this topic: renamed if their segment is committed in the state, else removed. */
  private async recover(): Promise<{ rolledForward: string[]; rolledBack: string[] }> {
    const { storage } = this.layout;
    const rolledForward: string[] = [];
    const rolledBack: string[] = [];
    for (const root of [this.layout.journal, archiveQuarantineDir(this.layout)]) {
      for (const day of await storage.listStatus(root)) {
        if (!day.name.startsWith('date=') || day.type !== 'directory') continue;
        const dir = path.join(root, day.name);
        let touched = false;
        for (const file of await storage.list(dir)) {
          // A pending file's temporary twin is never complete, whatever the state says.
          const temped = tempSiblingTarget(file);
          const final = PENDING.exec(temped ?? file)?.[1];
          const segment = final ? parseSegmentFileName(final) : undefined;
          if (!final || !segment || segment.topic !== this.topic) continue;
          const next = this.nextOffset(segment.partition);
          if (!temped && next !== undefined && segment.last < next) {
            await storage.rename(path.join(dir, file), path.join(dir, final));
            rolledForward.push(path.join(dir, final));
          } else {
            await storage.remove(path.join(dir, file));
            rolledBack.push(path.join(dir, file));
          }
          touched = true;
        }
        if (touched) await storage.syncFolder(dir);
      }
    }
    // The state file's temporary twin (a kill while the state was replaced): the state is the old one.
    const stateDir = archiveStateDir(this.layout);
    for (const file of await storage.list(stateDir)) {
      if (tempSiblingTarget(file) === `${this.topic}.json`) await storage.remove(path.join(stateDir, file));
    }
    return { rolledForward, rolledBack };
  }
}

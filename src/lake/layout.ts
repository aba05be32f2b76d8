import path from 'node:path';
import type { LakeStorage } from './storage/lake-storage.js';
import { localStorage } from './storage/local-storage.js';

/** Where everything lives in a lake; see docs/PROTOCOL.md. The only place that names lake paths. */
export interface LakeLayout {
  /** The file system the lake lives on; every path below is an absolute path in it. */
  storage: LakeStorage;
  root: string;
  journal: string;
  catalog: string;
  snapshot: string;
  log: string;
  versions: string;
  quarantine: string;
  staging: string;
  lock: string;
}

export function lakeLayout(root: string, storage: LakeStorage = localStorage): LakeLayout {
  const abs = path.resolve(root);
  const snapshot = path.join(abs, 'snapshot');
  return {
    storage,
    root: abs,
    journal: path.join(abs, 'journal'),
    catalog: path.join(abs, 'catalog'),
    snapshot,
    log: path.join(snapshot, '_log'),
    versions: path.join(snapshot, 'versions'),
    quarantine: path.join(abs, 'quarantine'),
    staging: path.join(snapshot, '_staging'),
    lock: path.join(snapshot, '_lock'),
  };
}

/** Versions are zero-padded so that a byte-wise listing is the version order. */
export function versionName(version: number): string {
  return String(version).padStart(8, '0');
}

export function versionDir(layout: LakeLayout, version: number): string {
  return path.join(layout.versions, versionName(version));
}

/** `version=N` so that reading the whole quarantine folder yields a `version` column. */
export function quarantineDir(layout: LakeLayout, version: number): string {
  return path.join(layout.quarantine, `version=${versionName(version)}`);
}

export function commitPath(layout: LakeLayout, version: number): string {
  return path.join(layout.log, `${versionName(version)}.json`);
}

/** A journal day folder's name (readers also accept a bare YYYY-MM-DD). */
export const dayFolderName = (day: string) => `date=${day}`;

/** Where `subsnap archive` keeps its per-topic state and lock (ignored by runs: it starts with _). */
export const archiveStateDir = (layout: LakeLayout) => path.join(layout.journal, '_archive');

/** Messages `subsnap archive` could not write as journal lines, by day. */
export const archiveQuarantineDir = (layout: LakeLayout) => path.join(layout.quarantine, 'archive');

/** A path relative to the lake root as users and engines name it (a local path, or an hdfs:// URI). */
export const lakeLocation = (layout: LakeLayout, relative: string) => layout.storage.engineLocation(path.join(layout.root, relative));

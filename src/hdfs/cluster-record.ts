/**
 * `cluster.json` in the state folder of `subsnap hdfs start`: where the cluster answers. Written at
 * start; read by status and by commands given `--lake hdfs://127.0.0.1:PORT/…` of that cluster, to
 * find its WebHDFS address.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const ClusterRecord = z.object({
  uri: z.string().regex(/^hdfs:\/\/127\.0\.0\.1:\d+$/),
  webhdfs: z.string().regex(/^http:\/\/127\.0\.0\.1:\d+$/),
});
export type ClusterRecord = z.infer<typeof ClusterRecord>;

export class ClusterRecordError extends Error {}

export const clusterFile = (stateDir: string) => path.join(stateDir, 'cluster.json');

/** The record, or undefined when there is none; a record that cannot be read or parsed is an error. */
export async function readClusterRecord(stateDir: string): Promise<ClusterRecord | undefined> {
  const text = await fs.readFile(clusterFile(stateDir), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new ClusterRecordError(`${clusterFile(stateDir)} cannot be read: ${error.message}`);
  });
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ClusterRecordError(`${clusterFile(stateDir)} is not JSON: remove it, or the state folder`);
  }
  const record = ClusterRecord.safeParse(parsed);
  if (!record.success) throw new ClusterRecordError(`${clusterFile(stateDir)} is not a cluster record: ${record.error.issues[0]?.message}`);
  return record.data;
}

export async function writeClusterRecord(stateDir: string, record: ClusterRecord): Promise<void> {
  await fs.writeFile(clusterFile(stateDir), `${JSON.stringify(ClusterRecord.parse(record), null, 2)}\n`);
}

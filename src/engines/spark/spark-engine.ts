import { createHash } from 'node:crypto';
import type { Engine, Row } from '../engine.js';
import { SparkConnectClient, SparkConnectError } from './spark-connect-client.js';
import { literalPath, sparkDialect } from './spark-dialect.js';
import { probeJarDigest, registerProbe } from './spark-probe-udf.js';
import { parseSparkRemote, type SparkRemote } from './spark-remote.js';
import { claimSessionSlot, type SessionSlot } from './spark-session-slot.js';

/** Spark versions whose SQL the dialect is written for (variant functions came with 4.0). */
const SUPPORTED_MAJOR = 4;

/** Arrow values as plain JSON-like values, as the DuckDB engine returns them. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/**
 * Session settings every run's session gets. A temporary view made by SQL keeps its text and is
 * analyzed again wherever a statement reads it (and with it every view below it); keeping the
 * analyzed plan instead, as a view made from a DataFrame does, analyzes each view once. The fold
 * defines each view after what it reads is final (a staged relation's files are written before its
 * view), so the kept plan reads the same rows. A 100-record day: 4.9 s against 6.4 s (medians).
 */
const SESSION_SETTINGS = ['spark.sql.legacy.storeAnalyzedPlanForView=true'];

/** How long handing a kept session on may take before the run ends without it. */
const HAND_ON_MS = 10_000;

/**
 * A client of a checked server with the probe registered: in the slot's session when a slot is
 * free (a cache: a slot folder that cannot be written means a session of the run's own).
 */
async function connect(remote: SparkRemote): Promise<{ client: SparkConnectClient; slot: SessionSlot | undefined }> {
  const slot = await claimSessionSlot(remote, (await probeJarDigest()) ?? 'none').catch(() => undefined);
  let client: SparkConnectClient | undefined;
  try {
    client = new SparkConnectClient(remote, slot?.sessionId, slot !== undefined);
    let version: string;
    try {
      version = await client.sparkVersion();
    } catch (error) {
      // The server ended the slot's session (idle too long, or released): the slot names a new one.
      if (!slot || (error as SparkConnectError).errorClass !== 'INVALID_HANDLE.SESSION_CLOSED') throw error;
      await client.close();
      client = new SparkConnectClient(remote, await slot.renew(), true);
      version = await client.sparkVersion();
    }
    if (Number(version.split('.')[0]) !== SUPPORTED_MAJOR) {
      throw new SparkConnectError(`the Spark Connect server at ${remote.display} runs Spark ${version}; subsnap needs Spark ${SUPPORTED_MAJOR}.x`);
    }
    await registerProbe(client, remote.display);
    for (const setting of SESSION_SETTINGS) await client.sql(`SET ${setting}`);
    return { client, slot };
  } catch (error) {
    await client?.close().catch(() => undefined);
    await slot?.release().catch(() => undefined);
    throw error;
  }
}

/**
 * Drops every temporary view of a kept session before the next run takes it: what a failed run
 * left too (views whose text may hold the PII key's pads). Bounded: a stuck server does not hold
 * the run; its views are then replaced before they are read, as every run does.
 */
async function dropTemporaryViews(client: SparkConnectClient): Promise<void> {
  const drop = async () => {
    for (const view of await client.query('SHOW VIEWS')) {
      if (view.isTemporary === true) await client.sql(`DROP VIEW IF EXISTS ${sparkDialect.identifier(String(view.viewName))}`);
    }
  };
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([drop(), new Promise((resolve) => (timer = setTimeout(resolve, HAND_ON_MS)))]).catch(() => undefined).finally(() => clearTimeout(timer));
}

/** The Spark engine: the same fold, executed by a Spark Connect server. */
export async function openSpark(remoteUrl: string): Promise<Engine> {
  const { client, slot } = await connect(parseSparkRemote(remoteUrl));
  const views = new Set<string>();
  return {
    name: 'spark',
    dialect: sparkDialect,
    run: (sql) => client.sql(sql),
    async query(sql) {
      const rows = await client.query(sql);
      return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)])) as Row);
    },
    async columns(select) {
      const rows = await client.query(`DESCRIBE QUERY ${select}`);
      return rows.map((r) => ({ name: String(r.col_name), type: String(r.data_type) }));
    },
    // Spark reads a path's characters literally once the dialect escapes them (text.`…` reads).
    readPaths: async (paths) => paths,
    async parquetFiles(paths) {
      if (paths.length === 0) throw new Error('reading Parquet needs at least one file');
      // A view per distinct list, named by its content: one scan whose files Spark packs into tasks by size.
      const name = `parquet_files_${createHash('sha256').update(JSON.stringify(paths)).digest('hex').slice(0, 24)}`;
      if (!views.has(name)) {
        await client.createFilesView(name, 'parquet', paths.map(literalPath));
        views.add(name);
      }
      return sparkDialect.identifier(name);
    },
    async close() {
      try {
        if (slot) await dropTemporaryViews(client);
      } finally {
        await client.close();
        // The slot is a cache: failing to free it costs the next run its session, never this run's result.
        await slot?.release().catch(() => undefined);
      }
    },
  };
}

/**
 * The record probe on Spark: a Java UDF (spark/udf/, built by scripts/setup-spark.sh against the
 * installed Spark) that reads each journal record once, strictly, and gives every schema field's JSON
 * type and exact text. A server `subsnap spark start` started has the jar on its class path; any other
 * Spark Connect endpoint (a cluster) gets it as a session artifact, without installing anything there.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SparkConnectError, type SparkConnectClient } from './spark-connect-client.js';
import { PROBE_FUNCTION } from './spark-probe-names.js';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const PROBE_CLASS = 'subsnap.spark.ProbeRecord';
const JAR = 'subsnap-spark.jar';

/** Where setup-spark.sh puts the jar; SUBSNAP_SPARK_UDF_JAR overrides it. */
export function probeJarPath(): string {
  return process.env.SUBSNAP_SPARK_UDF_JAR ?? path.join(PROJECT_ROOT, '.venv', 'spark-udf', JAR);
}

const text = { string: {} };
const flag = { boolean: {} };
const texts = { array: { element_type: text, contains_null: true } };
/** struct(is_json, is_object, duplicate_names, t array<string>, s array<string>): see ProbeRecord.java. */
const OUTPUT = {
  struct: {
    fields: [
      { name: 'is_json', data_type: flag, nullable: true },
      { name: 'is_object', data_type: flag, nullable: true },
      { name: 'duplicate_names', data_type: flag, nullable: true },
      { name: 't', data_type: texts, nullable: true },
      { name: 's', data_type: texts, nullable: true },
    ],
  },
};

const digestOf = (jar: Buffer) => createHash('sha256').update(jar).digest('hex');

/** The SHA-256 (hex) of this build's probe jar, or undefined when it is missing. */
export async function probeJarDigest(): Promise<string | undefined> {
  const bytes = await fs.readFile(probeJarPath()).catch(() => undefined);
  return bytes && digestOf(bytes);
}

/**
 * The digest of the probe class the server has on its class path (`subsnap spark start` puts the jar
 * there), or undefined when it has none (a cluster subsnap did not start).
 */
async function serverProbeDigest(client: SparkConnectClient): Promise<string | undefined> {
  try {
    const [row] = await client.query(`SELECT reflect('${PROBE_CLASS}', 'jarSha256') AS digest`);
    return String(row?.digest);
  } catch (error) {
    // Only "no such class" means no probe there; any other failure is said, not taken for that.
    if ((error as SparkConnectError).errorClass === 'DATATYPE_MISMATCH.UNEXPECTED_CLASS_TYPE') return undefined;
    throw error;
  }
}

/**
 * Registers the probe for the session. A server with this very jar on its class path runs its own
 * copy (loaded and compiled once for all sessions); another server gets the jar as a session artifact.
 * A server with another build on its class path is refused: its class would be the one used.
 */
export async function registerProbe(client: SparkConnectClient, server: string): Promise<void> {
  const jar = probeJarPath();
  if (!existsSync(jar)) {
    throw new SparkConnectError(`the Spark engine's record probe ${jar} is missing: run scripts/setup-spark.sh (it needs a Java 17 JDK)`);
  }
  const bytes = await fs.readFile(jar);
  const digest = await serverProbeDigest(client);
  if (digest === undefined) {
    await client.addJar(JAR, bytes);
  } else if (digest !== digestOf(bytes)) {
    throw new SparkConnectError(`the Spark Connect server at ${server} has another build of subsnap's record probe on its class path ` +
      `(started by another subsnap): restart it (subsnap spark stop, then subsnap spark start)`);
  }
  await client.registerJavaFunction(PROBE_FUNCTION, PROBE_CLASS, OUTPUT);
}

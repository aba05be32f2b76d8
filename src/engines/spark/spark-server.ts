/**
 * A local Spark Connect server (`local[N]`) from the project's pinned pyspark, for development,
 * tests and single-machine use: start (and wait until it answers), stop, status. Bound to
 * 127.0.0.1; its log and pid file live in a state folder, never inside site-packages.
 *
 * The server is found by its port as well as by the pid file: the process listening on
 * 127.0.0.1:PORT (Linux: /proc/net/tcp{,6} and /proc/PID/fd), verified to be a
 * SparkConnectServer by its command line. So `stop` and `status` work without the --state-dir
 * the server was started with, and a stale or reused pid in a pid file is not taken for it.
 */
import { spawn } from 'node:child_process';
import { openSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runSetupScript } from '../../services/setup-script.js';
import { alive, commandLine, describeProcess, portFree, portOwner, procAvailable, stopProcessGroup, type PortOwner } from '../../services/processes.js';
import { SparkConnectClient } from './spark-connect-client.js';
import { probeJarPath } from './spark-probe-udf.js';
import { parseSparkRemote } from './spark-remote.js';
import { DEFAULT_SERVER, defaultStateDir, type SparkServerOptions } from './spark-server-options.js';

export { DEFAULT_SERVER, defaultStateDir, describeProcess, portOwner, type SparkServerOptions };


export class SparkServerError extends Error {}

const pidFile = (o: { stateDir: string; port: number }) => path.join(o.stateDir, `spark-connect-${o.port}.pid`);
const logFile = (o: { stateDir: string; port: number }) => path.join(o.stateDir, `spark-connect-${o.port}.log`);

/** SPARK_HOME of the pinned pyspark, installing it first if needed (scripts/setup-spark.sh). */
export async function sparkHome(): Promise<string> {
  return runSetupScript('setup-spark.sh', (detail) => new SparkServerError(`could not install the Spark runtime: ${detail}`));
}

/** The Delta Lake jars of scripts/setup-spark-delta.sh (installed on first use). */
async function deltaJars(): Promise<string[]> {
  const fail = (detail: string) => new SparkServerError(`could not install Delta Lake for Spark: ${detail}`);
  const lib = await runSetupScript('setup-spark-delta.sh', fail);
  const names = await fs.readdir(lib).catch((error: Error) => {
    throw fail(error.message);
  });
  return names.filter((f) => f.endsWith('.jar')).sort().map((f) => path.join(lib, f));
}

/** The Delta Lake extension and catalog, for every session (Delta requires its catalog). */
const DELTA_CONF = [
  'spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension',
  'spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog',
];

/**
 * The jars on the server's class path (driver and executors): the record probe, which sessions then
 * use without uploading it (see registerProbe), and Delta Lake's when asked for. Spark splits its jar
 * list at commas even when escaped: a probe whose path holds one is left to the sessions to upload.
 */
async function classPathJars(o: SparkServerOptions): Promise<string[]> {
  const probe = probeJarPath();
  const jars = [...(o.probeOnClassPath === false || probe.includes(',') ? [] : [probe]), ...(o.delta ? await deltaJars() : [])];
  const unlistable = jars.find((jar) => jar.includes(','));
  if (unlistable) throw new SparkServerError(`Spark cannot put a jar whose path holds a comma on its class path: ${unlistable}`);
  return jars;
}

/** The jars as spark-submit's `--jars` list: file URIs (a path is parsed as a URI, where `#` would start a fragment). */
function jarsArgument(jars: string[]): string {
  return jars.map((jar) => pathToFileURL(jar).href).join(',');
}

const SERVER_CLASS = 'org.apache.spark.sql.connect.service.SparkConnectServer';

interface FoundServer {
  pid: number;
  /** The state folder the server was started with: its working directory (see startServer). */
  stateDir: string;
}

/** A SparkConnectServer process: by the pid file (checked against its command line) or by the port. */
async function findServer(o: { stateDir: string; port: number }): Promise<FoundServer | undefined> {
  const text = await fs.readFile(pidFile(o), 'utf8').catch(() => undefined);
  const recorded = text && /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
  if (recorded !== undefined && alive(recorded)) {
    const command = await commandLine(recorded);
    // Where /proc cannot tell, a live pid is trusted; where it can, it must be the server.
    if (command === undefined ? !(await procAvailable()) : command.includes(SERVER_CLASS)) return { pid: recorded, stateDir: o.stateDir };
  }
  const owner = await portOwner(o.port);
  if (!owner || !owner.command.includes(SERVER_CLASS)) return undefined;
  const cwd = await fs.readlink(`/proc/${owner.pid}/cwd`).catch(() => undefined);
  const startedIn = cwd && (await fs.stat(logFile({ stateDir: cwd, port: o.port })).catch(() => undefined)) ? cwd : o.stateDir;
  return { pid: owner.pid, stateDir: startedIn };
}

/** The server's Spark version, or undefined when nothing answers on the port. */
export async function probe(port: number, token?: string, deadlineMs = 3_000): Promise<string | undefined> {
  const client = new SparkConnectClient(parseSparkRemote(`sc://127.0.0.1:${port}${token ? `/;token=${token}` : ''}`));
  try {
    return await client.sparkVersion(deadlineMs);
  } catch {
    return undefined;
  } finally {
    await client.close().catch(() => undefined);
  }
}

export interface ServerStatus {
  running: boolean;
  pid?: number;
  version?: string;
  remote: string;
  log: string;
  /** When not running: the other process that holds the port, if any and if known. */
  portHeldBy?: PortOwner;
  /** `startServer` found the server already running (it started nothing). */
  alreadyRunning?: boolean;
}

export async function serverStatus(o: SparkServerOptions): Promise<ServerStatus> {
  const found = await findServer(o);
  const version = found ? await probe(o.port, o.token) : undefined;
  const portHeldBy = found ? undefined : await portOwner(o.port);
  const log = logFile({ stateDir: found?.stateDir ?? o.stateDir, port: o.port });
  return { running: found !== undefined, pid: found?.pid, version, remote: `sc://127.0.0.1:${o.port}`, log, ...(portHeldBy ? { portHeldBy } : {}) };
}

/**
 * The lines of a start-up log that say why the server stopped: the first logged ERROR, then Java
 * exception lines (`java.net.BindException: ...`, `Caused by: ...`) and the JVM's own `Error: ...`
 * lines; the last lines of the log when none of those is there.
 */
export function startupFailure(log: string): string[] {
  const lines = log.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const isCause = (l: string) =>
    /^(Exception in thread "[^"]*" )?([\w$]+\.)+[\w$]*(Exception|Error)\b/.test(l) || /^Caused by: /.test(l) || /^Error: /.test(l);
  const picked: string[] = [];
  const logged = lines.find((l) => / ERROR /.test(l));
  if (logged) picked.push(logged);
  const isLogLine = (l: string) => /^\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d /.test(l);
  lines.forEach((line, i) => {
    if (picked.length >= 4 || !isCause(line) || picked.includes(line)) return;
    // The JVM says what is wrong on the line before its own `Error: ...` lines.
    const before = lines[i - 1];
    if (/^Error: /.test(line) && before && !isLogLine(before) && !isCause(before) && !picked.includes(before)) picked.push(before);
    picked.push(line);
  });
  const chosen = picked.length ? picked : lines.slice(-5);
  return chosen.map((l) => (l.length > 400 ? `${l.slice(0, 397)}...` : l));
}

async function refuseBusyPort(o: SparkServerOptions): Promise<void> {
  const check = await portFree(o.port);
  if (check.free) return;
  if (check.code !== 'EADDRINUSE') throw new SparkServerError(`cannot listen on 127.0.0.1:${o.port} (${check.code}): pick another --port`);
  const owner = await portOwner(o.port);
  if (!owner && (await probe(o.port, o.token, 1_000))) {
    throw new SparkServerError(`port ${o.port} already answers as a Spark Connect server whose process is not visible here; use it, or pick another --port`);
  }
  const by = owner ? ` by ${describeProcess(owner)}` : '';
  throw new SparkServerError(`port ${o.port} on 127.0.0.1 is already in use${by}: stop that process or pick another --port`);
}

/**
 * Whole-stage code generation writes one method per stage, longer with each field of the record
 * schema, and HotSpot by default never compiles a method over 8000 bytes of bytecode: such a stage
 * runs every row interpreted, several times slower. Every JVM of the server compiles such methods.
 * (The engine's own statements stay under that length for the default schema: README, "The Spark
 * engine".)
 */
const JIT_OPTIONS = ['-XX:-DontCompileHugeMethods'];

/** Executors of a `local-cluster[W,C,M]` master get most of their worker's M MiB (the rest is the JVM's own). */
function executorConf(master: string | undefined): string[] {
  const cluster = /^local-cluster\[\s*\d+\s*,\s*\d+\s*,\s*(\d+)\s*\]$/.exec(master ?? '');
  return cluster ? [`spark.executor.memory=${Math.max(256, Math.floor(Number(cluster[1]) * 0.75))}m`] : [];
}

/**
 * The server JVM's own options: its temporary folder, direct buffers capped (by default they may
 * grow as large as the heap, outside it) so that the resident set stays near the heap, and long
 * generated methods compiled (JIT_OPTIONS).
 */
function driverJavaOptions(o: SparkServerOptions): string {
  // spark-submit splits this string at spaces outside quotes, and reads backslash escapes in them.
  const quoted = (option: string) => `"${option.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  return [`-Djava.io.tmpdir=${path.join(o.stateDir, 'tmp')}`, '-XX:MaxDirectMemorySize=512m', ...JIT_OPTIONS].map(quoted).join(' ');
}

export async function startServer(o: SparkServerOptions, timeoutMs = 180_000): Promise<ServerStatus> {
  const existing = await findServer(o);
  if (existing) {
    // Installing provides the protocol definitions that asking the server its version needs.
    await sparkHome();
    return { ...(await serverStatus(o)), alreadyRunning: true };
  }
  // Before installing or starting anything: Spark would otherwise start, fail to bind and shut down.
  await refuseBusyPort(o);
  const home = await sparkHome();
  await fs.mkdir(o.stateDir, { recursive: true });
  // The log is appended to across starts; this start's lines begin here.
  const logStart = (await fs.stat(logFile(o)).catch(() => undefined))?.size ?? 0;
  const log = openSync(logFile(o), 'a');
  const conf = [
    `spark.connect.grpc.binding.address=127.0.0.1`,
    `spark.connect.grpc.binding.port=${o.port}`,
    'spark.driver.host=127.0.0.1',
    'spark.driver.bindAddress=127.0.0.1',
    'spark.ui.enabled=false',
    `spark.driver.memory=${o.memory}`,
    // Shuffles are sized by adaptive execution (partitions coalesced to the data), not a fixed count.
    'spark.sql.adaptive.enabled=true',
    'spark.sql.adaptive.coalescePartitions.enabled=true',
    'spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs=false',
    `spark.local.dir=${path.join(o.stateDir, 'tmp')}`,
    `spark.sql.warehouse.dir=${path.join(o.stateDir, 'warehouse')}`,
    // Executors in JVMs of their own (a cluster master) compile as the driver does.
    `spark.executor.extraJavaOptions=${JIT_OPTIONS.join(' ')}`,
    ...executorConf(o.master),
    ...(o.delta ? DELTA_CONF : []),
  ];
  const jars = await classPathJars(o);
  // Two malloc arenas instead of up to eight per core: native allocations (codecs, Netty) stay near
  // what they use instead of growing the resident set with every thread that allocates.
  const env: NodeJS.ProcessEnv = { MALLOC_ARENA_MAX: '2', ...process.env, SPARK_HOME: home, SPARK_LOCAL_IP: '127.0.0.1' };
  if (o.token) env.SPARK_CONNECT_AUTHENTICATE_TOKEN = o.token;
  const child = spawn(
    path.join(home, 'bin', 'spark-submit'),
    ['--class', SERVER_CLASS, '--master', o.master ?? `local[${o.cores}]`, ...(jars.length ? ['--jars', jarsArgument(jars)] : []),
      ...conf.flatMap((c) => ['--conf', c]), '--driver-java-options', driverJavaOptions(o)],
    { cwd: o.stateDir, env, detached: true, stdio: ['ignore', log, log] },
  );
  child.unref();
  await fs.mkdir(path.join(o.stateDir, 'tmp'), { recursive: true });
  await fs.writeFile(pidFile(o), String(child.pid));
  const thisStartsLog = async () => {
    const handle = await fs.open(logFile(o), 'r');
    try {
      const { size } = await handle.stat();
      const buffer = Buffer.alloc(Math.max(0, size - logStart));
      await handle.read(buffer, 0, buffer.length, logStart);
      return buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  };
  const cause = async () => {
    const lines = startupFailure(await thisStartsLog().catch(() => ''));
    return lines.length ? `:\n  ${lines.join('\n  ')}\n` : '; ';
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(child.pid!)) {
      await fs.rm(pidFile(o), { force: true });
      throw new SparkServerError(`the Spark Connect server on port ${o.port} stopped during start-up${await cause()}full log: ${logFile(o)}`);
    }
    const version = await probe(o.port, o.token, 2_000);
    if (version) return { running: true, pid: child.pid, version, remote: `sc://127.0.0.1:${o.port}`, log: logFile(o) };
    await new Promise((r) => setTimeout(r, 500));
  }
  await stopServer(o);
  throw new SparkServerError(`the Spark Connect server did not answer on 127.0.0.1:${o.port} within ${timeoutMs / 1000} s${await cause()}full log: ${logFile(o)}`);
}

/** Stops the server of this port (found by pid file or by port); false when none was running. */
export async function stopServer(o: { stateDir: string; port: number }): Promise<boolean> {
  const found = await findServer(o);
  if (!found) {
    await fs.rm(pidFile(o), { force: true });
    return false;
  }
  // spark-submit's JVM runs in the process group started detached: end the group.
  await stopProcessGroup(found.pid, 15_000);
  await fs.rm(pidFile(o), { force: true });
  // Found by its port: its own pid file is in the folder it was started with.
  await fs.rm(pidFile({ stateDir: found.stateDir, port: o.port }), { force: true });
  return true;
}

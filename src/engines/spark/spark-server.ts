/**
 * A local Spark Connect server (`local[N]`) from the project's pinned pyspark, for development,
 * tests and single-machine use: start (and wait until it answers), stop, status. Bound to
 * 127.0.0.1; its log and pid file live in a state folder, never inside site-packages.
 */
import { execFile, spawn } from 'node:child_process';
import { openSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SparkConnectClient } from './spark-connect-client.js';
import { parseSparkRemote } from './spark-remote.js';
import { DEFAULT_SERVER, defaultStateDir, type SparkServerOptions } from './spark-server-options.js';

export { DEFAULT_SERVER, defaultStateDir, type SparkServerOptions };

const run = promisify(execFile);
const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export class SparkServerError extends Error {}

const pidFile = (o: { stateDir: string; port: number }) => path.join(o.stateDir, `spark-connect-${o.port}.pid`);
const logFile = (o: { stateDir: string; port: number }) => path.join(o.stateDir, `spark-connect-${o.port}.log`);

/** SPARK_HOME of the pinned pyspark, installing it first if needed (scripts/setup-spark.sh). */
export async function sparkHome(): Promise<string> {
  try {
    const { stdout } = await run('bash', [path.join(PROJECT_ROOT, 'scripts', 'setup-spark.sh')], { maxBuffer: 1 << 20 });
    return stdout.trim().split('\n').at(-1)!;
  } catch (error) {
    throw new SparkServerError(`could not install the Spark runtime: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function readPid(o: { stateDir: string; port: number }): Promise<number | undefined> {
  const text = await fs.readFile(pidFile(o), 'utf8').catch(() => undefined);
  const pid = Number(text);
  return text && Number.isInteger(pid) && alive(pid) ? pid : undefined;
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
}

export async function serverStatus(o: SparkServerOptions): Promise<ServerStatus> {
  const pid = await readPid(o);
  const version = pid ? await probe(o.port, o.token) : undefined;
  return { running: pid !== undefined, pid, version, remote: `sc://127.0.0.1:${o.port}`, log: logFile(o) };
}

export async function startServer(o: SparkServerOptions, timeoutMs = 180_000): Promise<ServerStatus> {
  // Installing first also provides the protocol definitions that probing the port needs.
  const home = await sparkHome();
  const existing = await readPid(o);
  if (existing) return serverStatus(o);
  if (await probe(o.port, o.token, 1_000)) {
    throw new SparkServerError(`port ${o.port} already answers as a Spark Connect server not started here; use it, or pick --port`);
  }
  await fs.mkdir(o.stateDir, { recursive: true });
  const log = openSync(logFile(o), 'a');
  const conf = [
    `spark.connect.grpc.binding.address=127.0.0.1`,
    `spark.connect.grpc.binding.port=${o.port}`,
    'spark.driver.host=127.0.0.1',
    'spark.driver.bindAddress=127.0.0.1',
    'spark.ui.enabled=false',
    `spark.driver.memory=${o.memory}`,
    // Small shuffles suit a single machine; adaptive execution coalesces further.
    `spark.sql.shuffle.partitions=${Math.max(2, o.cores * 2)}`,
    'spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs=false',
    `spark.local.dir=${path.join(o.stateDir, 'tmp')}`,
    `spark.sql.warehouse.dir=${path.join(o.stateDir, 'warehouse')}`,
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, SPARK_HOME: home, SPARK_LOCAL_IP: '127.0.0.1' };
  if (o.token) env.SPARK_CONNECT_AUTHENTICATE_TOKEN = o.token;
  const child = spawn(
    path.join(home, 'bin', 'spark-submit'),
    ['--class', 'org.apache.spark.sql.connect.service.SparkConnectServer', '--master', `local[${o.cores}]`,
      ...conf.flatMap((c) => ['--conf', c]), '--driver-java-options', `-Djava.io.tmpdir=${path.join(o.stateDir, 'tmp')}`],
    { cwd: o.stateDir, env, detached: true, stdio: ['ignore', log, log] },
  );
  child.unref();
  await fs.mkdir(path.join(o.stateDir, 'tmp'), { recursive: true });
  await fs.writeFile(pidFile(o), String(child.pid));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(child.pid!)) {
      const tail = (await fs.readFile(logFile(o), 'utf8')).split('\n').slice(-15).join('\n');
      throw new SparkServerError(`the Spark Connect server exited during start-up; log ${logFile(o)}:\n${tail}`);
    }
    const version = await probe(o.port, o.token, 2_000);
    if (version) return { running: true, pid: child.pid, version, remote: `sc://127.0.0.1:${o.port}`, log: logFile(o) };
    await new Promise((r) => setTimeout(r, 500));
  }
  await stopServer(o);
  throw new SparkServerError(`the Spark Connect server did not answer on 127.0.0.1:${o.port} within ${timeoutMs / 1000} s; log ${logFile(o)}`);
}

export async function stopServer(o: { stateDir: string; port: number }): Promise<boolean> {
  const pid = await readPid(o);
  if (!pid) {
    await fs.rm(pidFile(o), { force: true });
    return false;
  }
  // spark-submit's JVM runs in the process group started detached: end the group.
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      try {
        process.kill(pid, s);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  for (let i = 0; i < 60 && alive(pid); i++) await new Promise((r) => setTimeout(r, 250));
  if (alive(pid)) signal('SIGKILL');
  await fs.rm(pidFile(o), { force: true });
  return true;
}

/**
 * A real single-node HDFS (one NameNode, one DataNode, WebHDFS on) on 127.0.0.1, from the Apache
 * Hadoop jars on Maven Central (scripts/setup-hdfs.sh), for trying the lake on HDFS and for the
 * tests: start (format on first start, wait until it takes writes), stop, status. Everything it keeps
 * (configuration, metadata, blocks, logs, pid files) lives in a state folder; `cluster.json` there
 * says where the cluster answers (cluster-record.ts).
 */
import { execFile, spawn } from 'node:child_process';
import { openSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { runSetupScript } from '../services/setup-script.js';
import { alive, commandLine, describeProcess, portFree, portOwner, procAvailable, stopProcessGroup } from '../services/processes.js';
import { DEFAULT_HDFS, defaultHdfsStateDir, type HdfsServerOptions } from './hdfs-server-options.js';
import { readClusterRecord, writeClusterRecord, type ClusterRecord } from './cluster-record.js';
import { siteFiles } from './hdfs-site.js';

export { DEFAULT_HDFS, defaultHdfsStateDir, type HdfsServerOptions };

const run = promisify(execFile);

export class HdfsServerError extends Error {}

const DAEMONS = {
  namenode: 'org.apache.hadoop.hdfs.server.namenode.NameNode',
  datanode: 'org.apache.hadoop.hdfs.server.datanode.DataNode',
} as const;
type Daemon = keyof typeof DAEMONS;

const pidFile = (stateDir: string, daemon: Daemon) => path.join(stateDir, `${daemon}.pid`);
const logFile = (stateDir: string, daemon: Daemon | 'format') => path.join(stateDir, 'logs', `${daemon}.log`);
/** The install folder (jars, class-path folder), installing it first if needed (scripts/setup-hdfs.sh). */
export async function hdfsHome(): Promise<string> {
  return runSetupScript('setup-hdfs.sh', (detail) => new HdfsServerError(`could not install the HDFS daemons: ${detail}`));
}

/** The daemon's pid from its pid file, when that process lives and runs the daemon. */
async function runningPid(stateDir: string, daemon: Daemon): Promise<number | undefined> {
  const text = await fs.readFile(pidFile(stateDir, daemon), 'utf8').catch(() => undefined);
  const pid = text && /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
  if (pid === undefined || !alive(pid)) return undefined;
  const command = await commandLine(pid);
  if (command === undefined) return (await procAvailable()) ? undefined : pid;
  return command.includes(DAEMONS[daemon]) ? pid : undefined;
}

export interface HdfsStatus {
  running: boolean;
  /** Both daemons live and the NameNode takes writes (one live DataNode, out of safe mode). */
  ready: boolean;
  uri?: string;
  webhdfs?: string;
  pids: Partial<Record<Daemon, number>>;
  logs: Record<Daemon, string>;
  stateDir: string;
  /** `startHdfs` found the cluster already running (it started nothing). */
  alreadyRunning?: boolean;
}

async function jmx(webhdfs: string, bean: string): Promise<Record<string, unknown> | undefined> {
  try {
    const response = await fetch(`${webhdfs}/jmx?qry=Hadoop:service=NameNode,name=${bean}`, { signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { beans?: Record<string, unknown>[] };
    return body.beans?.[0];
  } catch {
    return undefined;
  }
}

/** Whether the NameNode at `webhdfs` takes writes: WebHDFS answers, a DataNode is live, safe mode is off. */
async function takesWrites(webhdfs: string): Promise<boolean> {
  try {
    const listing = await fetch(`${webhdfs}/webhdfs/v1/?op=LISTSTATUS`, { signal: AbortSignal.timeout(2_000) });
    if (listing.status !== 200) return false;
  } catch {
    return false;
  }
  const state = await jmx(webhdfs, 'FSNamesystemState');
  const info = await jmx(webhdfs, 'NameNodeInfo');
  return Number(state?.NumLiveDataNodes ?? 0) >= 1 && info?.Safemode === '';
}

export async function hdfsStatus(o: Pick<HdfsServerOptions, 'stateDir'>): Promise<HdfsStatus> {
  const stateDir = path.resolve(o.stateDir);
  const pids: Partial<Record<Daemon, number>> = {};
  for (const daemon of Object.keys(DAEMONS) as Daemon[]) {
    const pid = await runningPid(stateDir, daemon);
    if (pid !== undefined) pids[daemon] = pid;
  }
  const record = await readClusterRecord(stateDir);
  const running = pids.namenode !== undefined && pids.datanode !== undefined;
  const ready = running && record !== undefined && (await takesWrites(record.webhdfs));
  const logs = { namenode: logFile(stateDir, 'namenode'), datanode: logFile(stateDir, 'datanode') };
  return { running, ready, ...(record ?? {}), pids, logs, stateDir };
}

async function refuseBusyPort(port: number, flag: string): Promise<void> {
  const check = await portFree(port);
  if (check.free) return;
  if (check.code !== 'EADDRINUSE') throw new HdfsServerError(`cannot listen on 127.0.0.1:${port} (${check.code}): pick another ${flag}`);
  const owner = await portOwner(port);
  throw new HdfsServerError(`port ${port} on 127.0.0.1 is already in use${owner ? ` by ${describeProcess(owner)}` : ''}: stop that process or pick another ${flag}`);
}

/** The lines of a daemon's log that say why it stopped: its ERROR and FATAL lines and exceptions, else its last lines. */
function failureLines(log: string): string[] {
  const lines = log.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const causes = lines.filter((l) => / (ERROR|FATAL) /.test(l) || /^([\w$]+\.)+[\w$]*(Exception|Error)\b/.test(l) || /^Caused by: /.test(l));
  return (causes.length ? causes.slice(0, 4) : lines.slice(-5)).map((l) => (l.length > 400 ? `${l.slice(0, 397)}...` : l));
}

const javaBin = () => (process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java');

function javaArgs(o: HdfsServerOptions, home: string, mainClass: string, extra: string[] = []): string[] {
  const state = path.resolve(o.stateDir);
  return [
    `-Xmx${o.memory}`, '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1',
    // Jersey's JAXB defines classes by reflection: on Java 17 WebHDFS answers 500 without this.
    '--add-opens=java.base/java.lang=ALL-UNNAMED',
    `-Dlog4j.configuration=file:${path.join(state, 'conf', 'log4j.properties')}`,
    `-Dhadoop.log.dir=${path.join(state, 'logs')}`,
    `-Djava.io.tmpdir=${path.join(state, 'tmp')}`,
    '-cp', [path.join(state, 'conf'), path.join(home, 'webapps'), path.join(home, 'lib', '*')].join(path.delimiter),
    mainClass, ...extra,
  ];
}

async function formatOnce(o: HdfsServerOptions, home: string): Promise<void> {
  const state = path.resolve(o.stateDir);
  if (await fs.stat(path.join(state, 'name', 'current', 'VERSION')).catch(() => undefined)) return;
  try {
    await run(javaBin(), javaArgs(o, home, DAEMONS.namenode, ['-format', '-nonInteractive']), { cwd: state, maxBuffer: 1 << 24 });
  } catch (error) {
    const output = `${(error as { stdout?: string }).stdout ?? ''}\n${(error as { stderr?: string }).stderr ?? ''}`;
    await fs.writeFile(logFile(state, 'format'), output);
    throw new HdfsServerError(`formatting the NameNode failed:\n  ${failureLines(output).join('\n  ')}\nfull log: ${logFile(state, 'format')}`);
  }
}

function spawnDaemon(o: HdfsServerOptions, home: string, daemon: Daemon): number {
  const state = path.resolve(o.stateDir);
  const log = openSync(logFile(state, daemon), 'a');
  const child = spawn(javaBin(), javaArgs(o, home, DAEMONS[daemon]), { cwd: state, detached: true, stdio: ['ignore', log, log] });
  child.unref();
  return child.pid!;
}

/**
 * Starts the cluster of the state folder (formatting it on first start) and waits until it takes
 * writes. Ports are those of the options; a cluster already running is left as it is.
 */
export async function startHdfs(o: HdfsServerOptions, timeoutMs = 120_000): Promise<HdfsStatus> {
  const stateDir = path.resolve(o.stateDir);
  const before = await hdfsStatus({ stateDir });
  if (before.running) return { ...before, alreadyRunning: true };
  // A daemon left alone by an earlier start: stopped, so that both start with this configuration.
  await stopHdfs({ stateDir });
  await refuseBusyPort(o.port, '--port');
  await refuseBusyPort(o.httpPort, '--http-port');
  const home = await hdfsHome();
  for (const dir of ['conf', 'name', 'data', 'tmp', 'logs']) await fs.mkdir(path.join(stateDir, dir), { recursive: true });
  for (const [name, text] of Object.entries(siteFiles({ stateDir, port: o.port, httpPort: o.httpPort }))) {
    await fs.writeFile(path.join(stateDir, 'conf', name), text);
  }
  await formatOnce({ ...o, stateDir }, home);
  const record: ClusterRecord = { uri: `hdfs://127.0.0.1:${o.port}`, webhdfs: `http://127.0.0.1:${o.httpPort}` };
  await writeClusterRecord(stateDir, record);
  const pids = { namenode: spawnDaemon({ ...o, stateDir }, home, 'namenode'), datanode: spawnDaemon({ ...o, stateDir }, home, 'datanode') };
  for (const daemon of Object.keys(pids) as Daemon[]) await fs.writeFile(pidFile(stateDir, daemon), String(pids[daemon]));

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const daemon of Object.keys(pids) as Daemon[]) {
      if (alive(pids[daemon])) continue;
      await stopHdfs({ stateDir });
      const log = await fs.readFile(logFile(stateDir, daemon), 'utf8').catch(() => '');
      throw new HdfsServerError(`the ${daemon} stopped during start-up:\n  ${failureLines(log).join('\n  ')}\nfull log: ${logFile(stateDir, daemon)}`);
    }
    if (await takesWrites(record.webhdfs)) return hdfsStatus({ stateDir });
    await new Promise((r) => setTimeout(r, 300));
  }
  await stopHdfs({ stateDir });
  throw new HdfsServerError(`HDFS did not take writes within ${timeoutMs / 1000} s; logs: ${logFile(stateDir, 'namenode')}, ${logFile(stateDir, 'datanode')}`);
}

/** Stops the daemons of the state folder (DataNode first); false when neither was running. */
export async function stopHdfs(o: Pick<HdfsServerOptions, 'stateDir'>): Promise<boolean> {
  const stateDir = path.resolve(o.stateDir);
  let stopped = false;
  for (const daemon of ['datanode', 'namenode'] as const) {
    const pid = await runningPid(stateDir, daemon);
    if (pid !== undefined) {
      stopped = true;
      await stopProcessGroup(pid, 15_000);
    }
    await fs.rm(pidFile(stateDir, daemon), { force: true });
  }
  return stopped;
}

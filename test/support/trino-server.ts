// A Trino server for the tests, with the Delta Lake connector as catalog `delta` over the local file
// system and a file metastore: installed (scripts/setup-trino.sh) and started by the test setup on a
// free loopback port, stopped at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';
import { setupScriptLines } from '../../src/services/setup-script.js';
import { stopProcessGroup, signalGroup } from '../../src/services/processes.js';


export interface TestTrino {
  port: number;
  stop(): Promise<void>;
}

function properties(entries: Record<string, string | number>): string {
  return Object.entries(entries).map(([k, v]) => `${k}=${v}\n`).join('');
}

async function writeEtc(dir: string, port: number, environment: string): Promise<string> {
  const etc = path.join(dir, 'etc');
  await mkdir(path.join(etc, 'catalog'), { recursive: true });
  await writeFile(path.join(etc, 'node.properties'), properties({ 'node.environment': environment, 'node.id': 'subsnap-test', 'node.data-dir': path.join(dir, 'data') }));
  await writeFile(path.join(etc, 'jvm.config'), ['-server', '-Xmx1G', '-XX:+UseG1GC', '-XX:+ExitOnOutOfMemoryError', '-Djdk.attach.allowAttachSelf=true', ''].join('\n'));
  await writeFile(path.join(etc, 'config.properties'), properties({
    coordinator: 'true',
    'node-scheduler.include-coordinator': 'true',
    'http-server.http.port': port,
    'discovery.uri': `http://127.0.0.1:${port}`,
  }));
  await writeFile(path.join(etc, 'log.properties'), properties({ 'io.trino': 'WARN', 'io.trino.server.Server': 'INFO' }));
  await writeFile(path.join(etc, 'catalog', 'delta.properties'), properties({
    'connector.name': 'delta_lake',
    'hive.metastore': 'file',
    'hive.metastore.catalog.dir': `local://${path.join(dir, 'metastore')}`,
    'fs.native-local.enabled': 'true',
    'local.location': '/',
    'delta.register-table-procedure.enabled': 'true',
  }));
  return etc;
}

const ended = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Waits until this server (its environment name, not another process that took the port) has started. */
async function waitStarted(child: ChildProcess, port: number, environment: string, log: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (ended(child)) throw new Error(`Trino exited (${child.exitCode ?? child.signalCode}):\n${(await readFile(log, 'utf8')).slice(-4000)}`);
    try {
      const info = await (await fetch(`http://127.0.0.1:${port}/v1/info`, { signal: AbortSignal.timeout(2_000) })).json() as { starting?: boolean; environment?: string };
      if (info.starting === false && info.environment === environment) return;
    } catch { /* not listening yet */ }
    await sleep(500);
  }
  throw new Error(`Trino did not start in ${timeoutMs} ms:\n${(await readFile(log, 'utf8')).slice(-4000)}`);
}

export async function startTestTrino(timeoutMs = 300_000): Promise<TestTrino> {
  const [home, javaHome] = (await setupScriptLines('setup-trino.sh')).slice(-2) as [string, string];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'subsnap-trino-'));
  const port = await freePort();
  const environment = `subsnap_test_${process.pid}_${port}`;
  const etc = await writeEtc(dir, port, environment);
  const log = path.join(dir, 'server.log');
  const out = openSync(log, 'w');
  const child = spawn(path.join(home, 'bin', 'launcher'), ['run', `--etc-dir=${etc}`], {
    env: { ...process.env, JAVA_HOME: javaHome, PATH: `${path.join(javaHome, 'bin')}:${process.env.PATH}` },
    stdio: ['ignore', out, out],
    detached: true,
  });
  closeSync(out);
  // A test process that ends without its after() hook (an error, or a signal: the test runner's
  // timeout, Ctrl-C) still ends the server, which runs in a process group of its own.
  const kill = () => signalGroup(child.pid!, 'SIGKILL');
  const onSignal = (signal: NodeJS.Signals) => {
    kill();
    process.kill(process.pid, signal);
  };
  process.once('exit', kill);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, onSignal);
  const stop = async () => {
    process.off('exit', kill);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.off(signal, onSignal);
    if (!ended(child)) await stopProcessGroup(child.pid!, 20_000);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitStarted(child, port, environment, log, timeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, stop };
}

import { Command } from 'commander';
import path from 'node:path';
import { DEFAULT_HDFS as DEFAULTS, defaultHdfsStateDir, type HdfsServerOptions } from '../../hdfs/hdfs-server-options.js';
import type { HdfsStatus } from '../../hdfs/hdfs-server.js';
import { EXIT, withExitCodes } from '../exit-codes.js';
import { int } from '../parsers.js';

interface HdfsFlags {
  port?: number;
  httpPort?: number;
  memory?: string;
  stateDir?: string;
  json?: boolean;
}

function optionsFrom(flags: HdfsFlags): HdfsServerOptions {
  return {
    port: flags.port ?? DEFAULTS.port,
    httpPort: flags.httpPort ?? DEFAULTS.httpPort,
    memory: flags.memory ?? DEFAULTS.memory,
    stateDir: path.resolve(flags.stateDir ?? defaultHdfsStateDir()),
  };
}

const withStateDir = (command: Command) =>
  command.option('--state-dir <dir>', 'configuration, metadata, blocks, logs (default ~/.local/state/subsnap/hdfs or env SUBSNAP_HDFS_STATE)');

function describe(s: HdfsStatus): string {
  const where = s.uri ? `${s.uri} (WebHDFS ${s.webhdfs})` : 'no cluster record';
  const pids = Object.entries(s.pids).map(([d, p]) => `${d} pid ${p}`).join(', ');
  return `${s.ready ? 'takes writes' : s.running ? 'running, not ready' : 'not running'} at ${where}${pids ? `; ${pids}` : ''}; state ${s.stateDir}`;
}

/** `subsnap hdfs start|stop|status`: a single-node HDFS on 127.0.0.1 for --lake hdfs://… */
export function hdfsCommand(): Command {
  const hdfs = new Command('hdfs')
    .description('a single-node HDFS (NameNode + DataNode, WebHDFS on, 127.0.0.1) for --lake hdfs://…')
    .addHelpText('after', '\nExit codes: see `subsnap hdfs <command> --help` (status: 0 takes writes, 1 not).');

  const start = withStateDir(new Command('start'))
    .description('install the HDFS daemons if needed, format on first start, start them and wait until they take writes')
    .option('--port <n>', 'NameNode RPC port on 127.0.0.1 (the hdfs:// URI)', int(1), DEFAULTS.port)
    .option('--http-port <n>', 'NameNode HTTP port on 127.0.0.1 (WebHDFS)', int(1), DEFAULTS.httpPort)
    .option('--memory <size>', 'heap of each daemon', DEFAULTS.memory)
    .option('--json', 'print the status as JSON (its uri is the cluster\'s hdfs:// URI)')
    .action(async (flags: HdfsFlags) => {
      const { startHdfs } = await import('../../hdfs/hdfs-server.js');
      const status = await startHdfs(optionsFrom(flags));
      if (flags.json) console.log(JSON.stringify(status));
      else console.log(`${status.alreadyRunning ? 'already running: ' : ''}HDFS ${describe(status)}\nuse it with: --lake ${status.uri}/some/path`);
    });
  withExitCodes(start, { ok: 'the cluster takes writes (started now, or already running)' });

  const stop = withStateDir(new Command('stop'))
    .description('stop the daemons of --state-dir (its data stays; start again to use it)')
    .action(async (flags: HdfsFlags) => {
      const { stopHdfs } = await import('../../hdfs/hdfs-server.js');
      const options = optionsFrom(flags);
      console.log((await stopHdfs(options)) ? `stopped HDFS of ${options.stateDir}` : `not running (state ${options.stateDir})`);
    });
  withExitCodes(stop, { ok: 'stopped, or nothing was running' });

  const status = withStateDir(new Command('status'))
    .description('whether the cluster of --state-dir runs and takes writes, and where')
    .option('--json', 'print the status as JSON')
    .action(async (flags: HdfsFlags) => {
      const { hdfsStatus } = await import('../../hdfs/hdfs-server.js');
      const s = await hdfsStatus(optionsFrom(flags));
      console.log(flags.json ? JSON.stringify(s) : describe(s));
      if (!s.ready) process.exitCode = EXIT.checkFailed;
    });
  withExitCodes(status, { ok: 'the cluster takes writes', checkFailed: 'not running, or not ready' });

  return hdfs.addCommand(start).addCommand(stop).addCommand(status);
}

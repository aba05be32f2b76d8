import { Command } from 'commander';
import path from 'node:path';
import { DEFAULT_SERVER, defaultStateDir, type SparkServerOptions } from '../../engines/spark/spark-server-options.js';
import { EXIT, withExitCodes } from '../exit-codes.js';
import { int } from '../parsers.js';

interface ServerFlags {
  port: number;
  stateDir?: string;
  memory?: string;
  cores?: number;
  master?: string;
  token?: string;
  delta?: boolean;
  json?: boolean;
}

function withServerOptions(command: Command): Command {
  return command
    .option('--port <n>', 'gRPC port on 127.0.0.1', int(1), DEFAULT_SERVER.port)
    .option('--state-dir <dir>', 'log and pid files (default ~/.local/state/subsnap/spark or env SUBSNAP_SPARK_STATE)')
    .option('--token <token>', 'bearer token the server requires (or env SUBSNAP_SPARK_TOKEN)');
}

function serverFrom(flags: ServerFlags): SparkServerOptions {
  const token = flags.token ?? process.env.SUBSNAP_SPARK_TOKEN;
  return {
    ...DEFAULT_SERVER,
    ...(flags.memory !== undefined ? { memory: flags.memory } : {}),
    ...(flags.cores !== undefined ? { cores: flags.cores } : {}),
    ...(flags.master !== undefined ? { master: flags.master } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(flags.delta ? { delta: true } : {}),
    port: flags.port,
    stateDir: path.resolve(flags.stateDir ?? defaultStateDir()),
  };
}

/** `subsnap spark start|stop|status`: a local Spark Connect server for --engine spark. */
export function sparkCommand(): Command {
  const spark = new Command('spark')
    .description('a local Spark Connect server (local mode, 127.0.0.1) for --engine spark')
    .addHelpText('after', '\nExit codes: see `subsnap spark <command> --help` (status: 0 running, 1 not running).');

  const start = withServerOptions(new Command('start'))
    .description('install the pinned Spark runtime if needed, start the server and wait until it answers (a busy port is refused at once)')
    .option('--memory <size>', 'driver memory', DEFAULT_SERVER.memory)
    .option('--cores <n>', 'local cores', int(1), DEFAULT_SERVER.cores)
    .option('--master <url>', 'Spark master (default local[CORES]; local-cluster[W,C,MiB] runs W executors as separate JVMs)')
    .option('--delta', 'with Delta Lake (jars from Maven Central on first use): the server reads the snapshot as a Delta table')
    .action(async (flags: ServerFlags) => {
      const { startServer } = await import('../../engines/spark/spark-server.js');
      const status = await startServer(serverFrom(flags));
      const already = status.alreadyRunning ? 'already running: ' : '';
      console.log(`${already}Spark ${status.version ?? '(not answering yet)'} answers at ${status.remote} (pid ${status.pid}); log ${status.log}`);
    });
  withExitCodes(start, { ok: 'the server answers (started now, or already running)' });

  const stop = withServerOptions(new Command('stop'))
    .description('stop the server listening on --port (found by the port, or by the pid file of --state-dir)')
    .action(async (flags: ServerFlags) => {
      const { describeProcess, portOwner, stopServer } = await import('../../engines/spark/spark-server.js');
      if (await stopServer(serverFrom(flags))) console.log(`stopped the server on port ${flags.port}`);
      else {
        const owner = await portOwner(flags.port);
        console.log(`not running on port ${flags.port}${owner ? `; the port is held by ${describeProcess(owner)}, not a Spark Connect server: left alone` : ''}`);
      }
    });
  withExitCodes(stop, { ok: 'stopped, or no server was running on the port' });

  const status = withServerOptions(new Command('status'))
    .description('whether a server runs on --port, and which Spark version answers')
    .option('--json', 'print the status as JSON')
    .action(async (flags: ServerFlags) => {
      const { describeProcess, serverStatus } = await import('../../engines/spark/spark-server.js');
      const s = await serverStatus(serverFrom(flags));
      if (flags.json) console.log(JSON.stringify(s));
      else if (s.running) console.log(`running (pid ${s.pid}) at ${s.remote}, Spark ${s.version ?? 'not answering'}; log ${s.log}`);
      else {
        const held = s.portHeldBy ? `; the port is held by ${describeProcess(s.portHeldBy)}, not a Spark Connect server` : '';
        console.log(`not running on port ${flags.port}${held}`);
      }
      if (!s.running) process.exitCode = EXIT.checkFailed;
    });
  withExitCodes(status, { ok: 'running', checkFailed: 'not running' });

  return spark.addCommand(start).addCommand(stop).addCommand(status);
}

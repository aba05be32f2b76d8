// A Spark Connect server for the tests: installed and started by the test setup itself on a free
// loopback port, stopped at the end. Nothing is skipped when Spark is absent: it is installed.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, stopServer, type SparkServerOptions } from '../../src/engines/spark/spark-server.js';
import { freePort } from './free-port.js';

export interface TestSparkServer {
  remote: string;
  options: SparkServerOptions;
  stop(): Promise<void>;
}

/**
 * `SUBSNAP_TEST_SPARK_REMOTE=sc://HOST:PORT` points the tests at a server already running (for the
 * inner loop; tests of tokens then need that server's token in the URL).
 */
export async function startTestSpark(token?: string, extra: Pick<SparkServerOptions, 'delta'> = {}): Promise<TestSparkServer> {
  // Session slots of test servers (each on its own port: slots of their own) outside the user's cache.
  process.env.SUBSNAP_SPARK_SESSIONS ??= path.join(os.tmpdir(), `subsnap-test-spark-sessions-${os.userInfo().uid}`);
  const existing = process.env.SUBSNAP_TEST_SPARK_REMOTE;
  if (existing) {
    const port = Number(/:(\d+)/.exec(existing.slice('sc://'.length))?.[1] ?? 15002);
    return { remote: existing, options: { port, memory: '', cores: 0, stateDir: '' }, stop: async () => undefined };
  }
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'subsnap-spark-'));
  // SUBSNAP_TEST_SPARK_MASTER: e.g. local-cluster[2,1,1024], executors in JVMs of their own (test/engines/spark-cluster.test.ts).
  const master = process.env.SUBSNAP_TEST_SPARK_MASTER || undefined;
  // The cluster-shaped server is a cluster subsnap did not start: no record probe on its class path, each session uploads it.
  const options: SparkServerOptions = {
    port: await freePort(), memory: '2g', cores: 2, stateDir, token, ...(master ? { master, probeOnClassPath: false } : {}), ...extra,
  };
  await startServer(options, 300_000);
  return {
    remote: `sc://127.0.0.1:${options.port}${token ? `/;token=${token}` : ''}`,
    options,
    async stop() {
      await stopServer(options);
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

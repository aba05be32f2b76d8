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

export async function startTestSpark(token?: string): Promise<TestSparkServer> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'subsnap-spark-'));
  const options: SparkServerOptions = { port: await freePort(), memory: '2g', cores: 2, stateDir, token };
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

// A real single-node Apache Kafka broker (KRaft, broker and controller in one JVM) for the tests:
// its jars are installed by scripts/setup-kafka.sh from Maven Central, it listens on free loopback
// ports only, and it is stopped (and its data removed) at the end.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from './free-port.js';
import { runSetupScript } from '../../src/services/setup-script.js';


export interface TestKafka {
  brokers: string;
  admin(): ReturnType<Kafka['admin']>;
  client: Kafka;
  stop(): Promise<void>;
}

/**
 * A new cluster id as Kafka makes one (a random UUID in URL-safe base64), never starting with "-":
 * the storage tool would read such an id as an option (Kafka's own Uuid.randomUuid draws again
 * for the same reason); one id in 64 did.
 */
export function kafkaClusterId(): string {
  for (;;) {
    const id = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export async function startTestKafka(): Promise<TestKafka> {
  const lib = await runSetupScript('setup-kafka.sh');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'subsnap-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const properties = path.join(dir, 'server.properties');
  await writeFile(properties, [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${path.join(dir, 'data')}`,
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    // Generated records carry their (past) day as timestamp: time-based retention would delete
    // them at once. Retention is by explicit deletion here (what the retention test does).
    'log.retention.ms=-1',
    'log.segment.delete.delay.ms=0',
    '',
  ].join('\n'));
  const java = (args: string[]) => ['-Xmx512m', '-cp', `${lib}/*`, ...args];
  const format = spawnSync('java', java(['kafka.tools.StorageTool', 'format', '--standalone', '-t', kafkaClusterId(), '-c', properties]), { encoding: 'utf8' });
  if (format.status !== 0) throw new Error(`formatting the Kafka storage failed:\n${format.stderr}${format.stdout}`);
  const logFile = path.join(dir, 'broker.log');
  const log = createWriteStream(logFile);
  const child: ChildProcess = spawn('java', java(['kafka.Kafka', properties]), { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const brokers = `127.0.0.1:${port}`;
  const client = new Kafka({ clientId: 'subsnap-tests', brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 20_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    log.end();
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) {
      const text = await readFile(logFile, 'utf8').catch(() => '');
      await stop();
      throw new Error(`the Kafka broker exited (${child.exitCode}):\n${text.slice(-3000)}`);
    }
    const admin = client.admin();
    try {
      await admin.connect();
      await admin.listTopics();
      await admin.disconnect();
      break;
    } catch {
      await admin.disconnect().catch(() => undefined);
      if (Date.now() > deadline) {
        await stop();
        throw new Error('the Kafka broker did not answer within 120 s');
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return { brokers, client, admin: () => client.admin(), stop };
}

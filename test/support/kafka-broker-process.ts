// A test Kafka broker as a process, for suites outside Node (the Airflow pytest suite): prints the
// bootstrap address on its first line, and stops the broker when its standard input closes.
import { startTestKafka } from './kafka-broker.js';

const kafka = await startTestKafka();
process.stdout.write(`${kafka.brokers}\n`);
const stop = async () => {
  await kafka.stop();
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);

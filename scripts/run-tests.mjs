// Runs test/**/*.test.ts with Node's test runner (Node 20 takes no globs on the command line).
// Arguments select files by substring; `--fast` leaves out the suites that start external services
// (Spark Connect, Kafka, Airflow, HDFS, Trino) and the benchmark: the inner loop.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVICE_SUITES = ['test/engines/spark', 'test/kafka/', 'test/airflow/', 'test/bench/', 'test/hdfs/', 'test/trino/'];
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const fast = args.includes('--fast');
const only = args.filter((a) => a !== '--fast');
const files = readdirSync(path.join(root, 'test'), { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => path.join('test', f))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .filter((f) => !fast || !SERVICE_SUITES.some((s) => f.startsWith(s)))
  .sort();
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);

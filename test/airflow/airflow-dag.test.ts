// The Airflow DAG's own tests (pytest, in the project's locked Airflow venv): DAG integrity, and
// `airflow dags test` over consecutive simulated days in a temporary lake whose folder name is hostile
// to shells and templates: DuckDB, Spark with a token from the Airflow connection (which must not
// leak into XCom, rendered fields or logs), Kafka, and validate of the version each run committed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { runSetupScript } from '../../src/services/setup-script.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('Airflow DAG subscription_snapshot', { timeout: 1_800_000 }, () => {
  it('passes its pytest suite (integrity + end-to-end dags test)', async (t) => {
    const venv = await runSetupScript('setup-airflow.sh');
    const pytest = spawnSync(path.join(venv, 'bin', 'python'), ['-m', 'pytest', '-p', 'no:cacheprovider', '-q', 'tests'], {
      cwd: path.join(root, 'airflow'),
      encoding: 'utf8',
      timeout: 1_700_000,
    });
    const summary = pytest.stdout.trim().split('\n').at(-1) ?? '';
    t.diagnostic(`pytest: ${summary}`);
    assert.equal(pytest.status, 0, `${pytest.stdout.slice(-6000)}\n${pytest.stderr.slice(-3000)}`);
    assert.match(summary, /^\d+ passed/);
  });
});

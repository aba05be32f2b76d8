// The quick-start demo: three journal days arrive one after another into ./demo-lake, and each
// arrival is folded into a new snapshot version; then the snapshot is validated and shown.
//
// The demo has a lake of its own (never ./lake, the default of every command and of the Airflow
// DAG). It marks the folder it creates with a marker file and only ever deletes a folder that
// carries it: an existing folder without the marker is refused, untouched.
// SUBSNAP_DEMO_LAKE=DIR puts the demo's lake elsewhere.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, 'bin', 'subsnap.js');
const lake = path.resolve(process.env.SUBSNAP_DEMO_LAKE || path.join(root, 'demo-lake'));
const MARKER = '.subsnap-demo';

function refuse(reason) {
  console.error(`demo: ${reason}`);
  console.error('demo: nothing was changed. Move that folder away, or set SUBSNAP_DEMO_LAKE to a folder the demo may create.');
  process.exit(2);
}

/** A fresh, marked lake folder; an existing one only if the demo made it. */
function prepareLake() {
  let stats;
  try {
    stats = lstatSync(lake);
  } catch (error) {
    if (error.code !== 'ENOENT') refuse(`cannot use ${lake}: ${error.message}`);
  }
  if (stats) {
    if (stats.isSymbolicLink()) refuse(`${lake} is a symbolic link; the demo only uses a folder of its own`);
    if (!stats.isDirectory()) refuse(`${lake} exists and is not a folder`);
    if (!existsSync(path.join(lake, MARKER))) {
      refuse(`${lake} exists and was not created by the demo (it has no ${MARKER} marker file); the demo does not touch it`);
    }
    console.log(`removing the previous demo lake ${lake}`);
    rmSync(lake, { recursive: true, force: true });
  }
  mkdirSync(lake, { recursive: true });
  writeFileSync(path.join(lake, MARKER), 'This folder was created by `npm run demo`, which deletes and recreates it on each run.\n');
}

function subsnap(...args) {
  console.log(`\n$ subsnap ${args.join(' ')} --lake ${path.relative(process.cwd(), lake) || '.'}`);
  const result = spawnSync(process.execPath, [cli, ...args, '--lake', lake], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`demo stopped: subsnap ${args[0]} exited with ${result.status ?? result.signal}`);
    process.exit(1);
  }
}

prepareLake();
for (const day of ['2024-01-01', '2024-01-02', '2024-01-03']) {
  subsnap('generate', '--day', day, '--dirty-rate', '0.05');
  subsnap('run');
}
subsnap('run');
subsnap('validate');
subsnap('log');
subsnap('show', '--limit', '5');
subsnap('report');
console.log(`\nThe demo's lake is ${lake} (your ./lake is never touched); the current snapshot is the folder named by \`subsnap log\`;`);
console.log(`open the report printed above, ${path.join(lake, 'report.html')}, in a browser.`);

// The quick-start demo: three journal days arrive one after another into ./lake, and each arrival
// is folded into a new snapshot version; then the snapshot is validated and shown.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, 'bin', 'subsnap.js');
const lake = path.join(root, 'lake');

function subsnap(...args) {
  console.log(`\n$ subsnap ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [cli, ...args, '--lake', lake], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`demo stopped: subsnap ${args[0]} exited with ${result.status}`);
    process.exit(1);
  }
}

rmSync(lake, { recursive: true, force: true });
for (const day of ['2024-01-01', '2024-01-02', '2024-01-03']) {
  subsnap('generate', '--day', day, '--dirty-rate', '0.05');
  subsnap('run');
}
subsnap('run');
subsnap('validate');
subsnap('log');
subsnap('show', '--limit', '5');
console.log(`\nThe lake is in ${lake}; the current snapshot is the folder named by \`subsnap log\`.`);

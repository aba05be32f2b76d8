import type { Commit } from '../lake/commit-log.js';
import { RunError } from './fold-and-commit.js';
import type { RecordSchema } from './record-schema.js';

/** A run folds with the schema the current version was built with; a different one needs `migrate`. */
export function checkSchemaUnchanged(current: Commit | undefined, schema: RecordSchema): void {
  if (!current?.schema) return;
  if (JSON.stringify(current.schema) !== JSON.stringify(schema)) {
    throw new RunError(
      `the record schema differs from the one version ${current.version} was built with: ` +
        'run `subsnap migrate` to apply it to the snapshot first',
    );
  }
}

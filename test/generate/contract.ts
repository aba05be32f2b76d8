// The record contract, as the reference model reads it: the generator's notion of "clean" and
// "dirty" is checked against the model of docs/SEMANTICS.md rather than against its own code.
import { foldRun } from '../model/reference-model.js';

/** Raw JSON text of a top-level number field of a flat object line. */
export function rawNumber(line: string, key: string): string | undefined {
  const m = new RegExp(`"${key}":(-?[0-9][0-9.eE+-]*)`).exec(line);
  return m?.[1];
}

export { isCalendarDate as isRealDate } from '../../src/lake/journal-files.js';

/** Every problem of a line, in the contract's order; [] for an accepted record. */
export function contractProblems(line: string): string[] {
  // A clean first line keeps the file NDJSON whatever `line` is (an array line would make it an array file).
  const content = `{"Id":0}\n${line}\n`;
  const { rejected } = foldRun([], [{ path: 'date=2000-01-01/x.jsonl', date: '2000-01-01', content }], [], {
    duplicates: 'last',
    nulls: 'overwrite',
    pii: 'drop',
  });
  return rejected.find((r) => r.position === 2)?.reason.split('; ') ?? [];
}

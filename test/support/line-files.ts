// Journal files whose every line end, blank line, byte order mark and multibyte character is a
// case for a line reader: a fast-check arbitrary and the text it stands for.
import fc from 'fast-check';

const arbLine = fc.oneof(
  fc.record({ Id: fc.integer({ min: 1, max: 40 }), subscription: fc.constantFrom('basic', 'é😀€', 'premium', ''), cost: fc.constantFrom(1, 2.5, 10) })
    .map((r) => JSON.stringify(r)),
  fc.constantFrom('', '   ', '\t', '{"Id":', '{"Id":"x"}', '[1]'),
);

export const arbLineFile = fc.record({
  lines: fc.array(arbLine, { minLength: 1, maxLength: 25 }),
  ends: fc.array(fc.constantFrom('\n', '\r\n', '\r'), { minLength: 25, maxLength: 25 }),
  finalEnd: fc.boolean(),
  bom: fc.boolean(),
  gzip: fc.boolean(),
});

export type LineFileSpec = typeof arbLineFile extends fc.Arbitrary<infer T> ? T : never;

/** The file's text: its lines with their ends (the last one's only with `finalEnd`), after an optional BOM. */
export function lineFileText(spec: LineFileSpec): string {
  const body = spec.lines.map((l, k) => l + (k < spec.lines.length - 1 || spec.finalEnd ? spec.ends[k] : '')).join('');
  return (spec.bom ? '\ufeff' : '') + body;
}

// Lines that break the record contract of docs/SEMANTICS.md, one kind per check, so the
// quarantine path is exercised on every reason. Each kind starts from a valid record and
// breaks exactly one thing, so a line has exactly one expected problem.

import { formatIsoDay, parseIsoDay } from './dates.js';
import { createDayContext, drawRecord, joinFields, recordFields } from './record.js';
import type { RecordFields } from './record.js';
import { createRng, nextInt, pick } from './rng.js';
import type { Rng } from './rng.js';

export const DIRTY_KINDS = [
  'malformed-json', // truncated line
  'json-array', // a JSON array instead of an object
  'json-number', // a bare number instead of an object
  'missing-id',
  'null-id',
  'string-id', // "Id":"42"
  'fractional-id', // "Id":12.5
  'id-out-of-range', // beyond signed 64-bit
  'cost-string', // "cost":"abc"
  'active-string', // "active":"yes"
  'subscription-number', // "subscription":3
  'subscription-object', // "subscription":{"name":"Premium"}
  'date-number', // "end_date":20231102
  'impossible-date', // "2023-02-30"
  'bad-date-format', // "2023/02/01"
  'end-before-start',
  'cost-3-decimals', // 10.555
  'cost-too-large', // 17 integer digits
] as const;

export type DirtyKind = (typeof DIRTY_KINDS)[number];

function valueOf(fields: RecordFields, key: string): string {
  const f = fields.find(([k]) => k === key);
  if (!f) throw new Error(`base record lacks ${key}`);
  return f[1];
}

function setValue(fields: RecordFields, key: string, json: string): RecordFields {
  return fields.map(([k, v]): [string, string] => [k, k === key ? json : v]);
}

function dayOf(fields: RecordFields, key: string): number {
  const day = parseIsoDay(JSON.parse(valueOf(fields, key)) as string);
  if (day === null) throw new Error(`base record has no valid ${key}`);
  return day;
}

function threeDecimals(costJson: string, rng: Rng): string {
  const cents = Math.round(Number(costJson) * 100);
  // A non-zero third digit, so the value really has 3 fraction digits.
  const mills = cents * 10 + nextInt(rng, 1, 9);
  return `${Math.floor(mills / 1000)}.${String(mills % 1000).padStart(3, '0')}`;
}

// Impossible in every year, and in the year before the real start: even a lenient
// parser that rolls 02-30 over to March keeps start before end, so only the date check fails.
const IMPOSSIBLE_MONTH_DAYS = ['02-30', '02-31', '04-31', '06-31', '11-31', '13-01', '00-10', '05-00'];

// Year-first so that a string comparison with start_date still finds end >= start.
function badFormat(endDay: number, rng: Rng): string {
  const iso = formatIsoDay(endDay);
  const variants = [iso.replaceAll('-', '/'), iso.replaceAll('-', ''), `${iso}T00:00:00Z`];
  return JSON.stringify(pick(rng, variants));
}

function breakRecord(kind: DirtyKind, rng: Rng, fields: RecordFields): string {
  const id = valueOf(fields, 'Id');
  switch (kind) {
    case 'malformed-json': {
      // Any proper prefix of an object's text is invalid JSON.
      const line = joinFields(fields);
      return line.slice(0, nextInt(rng, 1, line.length - 1));
    }
    case 'json-array':
      return `[${fields.map(([, v]) => v).join(',')}]`;
    case 'json-number':
      return id;
    case 'missing-id':
      return joinFields(fields.filter(([k]) => k !== 'Id'));
    case 'null-id':
      return joinFields(setValue(fields, 'Id', 'null'));
    case 'string-id':
      return joinFields(setValue(fields, 'Id', `"${id}"`));
    case 'fractional-id':
      return joinFields(setValue(fields, 'Id', `${id}.5`));
    case 'id-out-of-range':
      return joinFields(setValue(fields, 'Id', pick(rng, ['99999999999999999999', '-99999999999999999999'])));
    case 'cost-string':
      return joinFields(setValue(fields, 'cost', pick(rng, ['"abc"', `"${valueOf(fields, 'cost')}"`])));
    case 'active-string':
      return joinFields(setValue(fields, 'active', pick(rng, ['"yes"', '"true"', '1'])));
    case 'subscription-number':
      return joinFields(setValue(fields, 'subscription', String(nextInt(rng, 1, 10))));
    case 'subscription-object':
      return joinFields(setValue(fields, 'subscription', `{"name":${valueOf(fields, 'subscription')}}`));
    case 'date-number':
      return joinFields(setValue(fields, 'end_date', formatIsoDay(dayOf(fields, 'end_date')).replaceAll('-', '')));
    case 'impossible-date': {
      const year = Number(formatIsoDay(dayOf(fields, 'start_date')).slice(0, 4)) - 1;
      const bad = `${String(year).padStart(4, '0')}-${pick(rng, IMPOSSIBLE_MONTH_DAYS)}`;
      return joinFields(setValue(fields, 'start_date', `"${bad}"`));
    }
    case 'bad-date-format':
      return joinFields(setValue(fields, 'end_date', badFormat(dayOf(fields, 'end_date'), rng)));
    case 'end-before-start': {
      const end = dayOf(fields, 'start_date') - nextInt(rng, 1, 60);
      return joinFields(setValue(fields, 'end_date', `"${formatIsoDay(end)}"`));
    }
    case 'cost-3-decimals':
      return joinFields(setValue(fields, 'cost', threeDecimals(valueOf(fields, 'cost'), rng)));
    case 'cost-too-large':
      return joinFields(setValue(fields, 'cost', `${nextInt(rng, 1, 9)}${'0'.repeat(14)}${nextInt(rng, 10, 99)}`));
  }
}

/**
 * One line of the given dirty kind. `base` is the valid record to break (complete, no
 * nulls); without it a sample record is drawn from `rng`, which is what tests elsewhere
 * want: `makeDirtyLine('null-id')`.
 */
export function makeDirtyLine(kind: DirtyKind, rng: Rng = createRng(0), base?: RecordFields): string {
  if (base) return breakRecord(kind, rng, base);
  const ctx = createDayContext(0, '2024-01-15', 0);
  return breakRecord(kind, rng, recordFields(ctx, drawRecord(ctx, rng, nextInt(rng, 1, 250))));
}

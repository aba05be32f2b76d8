// Tells which dirty kind a line is from its text alone, so tests can check that a
// generated journal really contains every kind (several kinds share a quarantine reason).

import type { DirtyKind } from '../../src/generate/journal.js';
import { isRealDate, rawNumber } from './contract.js';

export function classifyDirty(line: string): DirtyKind | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'malformed-json';
  }
  if (Array.isArray(v)) return 'json-array';
  if (typeof v === 'number') return 'json-number';
  if (v === null || typeof v !== 'object') return undefined;
  const r = v as Record<string, unknown>;
  if (!('Id' in r)) return 'missing-id';
  if (r.Id === null) return 'null-id';
  if (typeof r.Id === 'string') return 'string-id';
  const rawId = rawNumber(line, 'Id') ?? '';
  if (rawId.includes('.')) return 'fractional-id';
  if (rawId.replace('-', '').length > 18) return 'id-out-of-range';
  if (typeof r.cost === 'string') return 'cost-string';
  if (typeof r.cost === 'number') {
    const frac = (rawNumber(line, 'cost') ?? '').split('.')[1] ?? '';
    if (frac.length > 2) return 'cost-3-decimals';
    if (Math.abs(r.cost) >= 1e16) return 'cost-too-large';
  }
  if (r.active !== undefined && r.active !== null && typeof r.active !== 'boolean') return 'active-string';
  if (typeof r.subscription === 'number') return 'subscription-number';
  if (typeof r.subscription === 'object' && r.subscription !== null) return 'subscription-object';
  if (typeof r.end_date === 'number') return 'date-number';
  if (typeof r.start_date === 'string' && !isRealDate(r.start_date)) return 'impossible-date';
  if (typeof r.end_date === 'string' && !isRealDate(r.end_date)) return 'bad-date-format';
  if (typeof r.start_date === 'string' && typeof r.end_date === 'string' && r.end_date < r.start_date) {
    return 'end-before-start';
  }
  return undefined;
}

// Reference model of docs/SEMANTICS.md: one run of `subsnap run`, in memory, in plain TypeScript.
// It is a specification in code: every engine is property-tested against it, so it favours
// clarity over speed. Section names in comments refer to SEMANTICS.md.
import { createHmac } from 'node:crypto';

// ----------------------------------------------------------------------------------------------
// Public API
// ----------------------------------------------------------------------------------------------

export type DuplicatesPolicy = 'last' | 'first' | 'reject';
export type NullsPolicy = 'overwrite' | 'coalesce';
export type PiiPolicy = 'drop' | 'hash' | 'keep';
export interface ModelPolicies {
  duplicates: DuplicatesPolicy; nulls: NullsPolicy; pii: PiiPolicy; piiKey?: string;
  /** A non-PII field whose value orders the records of one journal day before the file position. */
  orderField?: string;
}
/** path relative to LAKE/journal; date "YYYY-MM-DD"; content = decoded UTF-8 text. */
export interface ModelFile { path: string; date: string; content: string }
export interface CatalogEntry { subscription: string; numberOfChannels: number; extras: Record<string, string> }
/** A snapshot row, normalized for comparison. */
export interface ModelRow {
  Id: string;                       // decimal text of the int64 key
  active: boolean | null;
  subscription: string | null;
  cost: string | null;              // decimal(18,2) with exactly 2 fraction digits, e.g. "100.50"
  start_date: string | null;        // YYYY-MM-DD
  end_date: string | null;
  customer_first_name?: string | null;   // only with pii 'hash' (hex HMAC-SHA256) or 'keep'
  customer_last_name?: string | null;
  numberOfChannels: string | null;  // decimal text of the bigint, null when unmatched
  extras: Record<string, string> | null;  // null when unmatched
  _journal_date: string; _journal_file: string; _journal_line: number;
}
export interface ModelRejected { journal_file: string; journal_date: string; position: number; reason: string; raw: string | null }
export interface ModelCounts {
  inputRecords: number; acceptedRecords: number; rejectedRecords: number;
  inserted: number; updated: number; unchanged: number; totalKeys: number; unmatchedSubscriptions: number;
}
export interface ModelRunResult { rows: ModelRow[]; rejected: ModelRejected[]; counts: ModelCounts }

// ----------------------------------------------------------------------------------------------
// Schema (fixed for the model): key `Id` bigint, then the other fields in schema order.
// ----------------------------------------------------------------------------------------------

type FieldType = 'boolean' | 'string' | 'decimal(18,2)' | 'date';
const OTHER_FIELDS: ReadonlyArray<readonly [string, FieldType]> = [
  ['active', 'boolean'],
  ['subscription', 'string'],
  ['customer_first_name', 'string'],
  ['customer_last_name', 'string'],
  ['cost', 'decimal(18,2)'],
  ['start_date', 'date'],
  ['end_date', 'date'],
];
const PII_FIELDS = ['customer_first_name', 'customer_last_name'];
const JSON_TYPE_OF: Record<FieldType, JsonType> = { boolean: 'boolean', string: 'string', 'decimal(18,2)': 'number', date: 'string' };

/** The stored (post-PII) non-key, non-lineage field values of a record or row. */
type Values = Record<string, boolean | string | null>;

/** The value fields a row has under a PII policy (schema order). */
function valueFields(p: ModelPolicies): string[] {
  return OTHER_FIELDS.map(([f]) => f).filter((f) => p.pii !== 'drop' || !PII_FIELDS.includes(f));
}

// ----------------------------------------------------------------------------------------------
// JSON, keeping number tokens as their source text (JSON.parse would round big integers).
// JSON.parse remains the judge of well-formedness; the Reader only re-reads valid text.
// ----------------------------------------------------------------------------------------------

class JsonNumber { constructor(readonly text: string) {} }
/** `duplicateNames`: some member name appears twice (the fold rejects such a record). */
class JsonObject { constructor(readonly fields: Map<string, Json>, readonly duplicateNames: boolean) {} }
type Json = null | boolean | string | JsonNumber | JsonObject | Json[];
type JsonType = 'string' | 'number' | 'boolean' | 'object' | 'array';

function jsonType(v: Exclude<Json, null>): JsonType {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  if (v instanceof JsonNumber) return 'number';
  return Array.isArray(v) ? 'array' : 'object';
}

/**
 * The JSON value of `text`, or undefined when `text` is not strict JSON: JSON.parse judges the syntax
 * (RFC 8259), and a string holding a lone surrogate (from a `\ud800` escape) is not JSON either.
 */
function parseJson(text: string): Json | undefined {
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch { return undefined; }
  if (!wellFormed(parsed)) return undefined;
  const reader = new Reader(text);
  const value = reader.value();
  reader.ws();
  if (reader.i !== text.length) throw new Error('model bug: JSON reader disagrees with JSON.parse');
  return value;
}

function wellFormed(v: unknown): boolean {
  if (typeof v === 'string') return v.isWellFormed();
  if (Array.isArray(v)) return v.every(wellFormed);
  if (v !== null && typeof v === 'object') return Object.entries(v).every(([k, x]) => k.isWellFormed() && wellFormed(x));
  return true;
}

class Reader {
  i = 0;
  constructor(private readonly s: string) {}
  ws(): void { while (/[ \t\n\r]/.test(this.s.charAt(this.i))) this.i++; }
  private expect(c: string): void {
    this.ws();
    if (this.s.charAt(this.i) !== c) throw new Error(`model bug: expected ${c} at ${this.i}`);
    this.i++;
  }
  private token(re: RegExp): string {
    const sticky = new RegExp(re.source, 'y');
    sticky.lastIndex = this.i;
    const m = sticky.exec(this.s);
    if (!m) throw new Error(`model bug: no token at ${this.i}`);
    this.i += m[0].length;
    return m[0];
  }
  value(): Json {
    this.ws();
    const c = this.s.charAt(this.i);
    if (c === '{' || c === '[') {
      this.i++;
      const close = c === '{' ? '}' : ']';
      const fields = new Map<string, Json>();
      let duplicateNames = false;
      const items: Json[] = [];
      this.ws();
      if (this.s.charAt(this.i) === close) this.i++;
      else {
        for (;;) {
          if (c === '{') {
            this.ws();
            const name = this.string();
            this.expect(':');
            if (fields.has(name)) duplicateNames = true;
            fields.set(name, this.value());
          } else items.push(this.value());
          this.ws();
          if (this.s.charAt(this.i) !== ',') break;
          this.i++;
        }
        this.expect(close);
      }
      return c === '{' ? new JsonObject(fields, duplicateNames) : items;
    }
    if (c === '"') return this.string();
    for (const [literal, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.s.startsWith(literal, this.i)) { this.i += literal.length; return v; }
    }
    return new JsonNumber(this.token(/-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/));
  }
  private string(): string {
    return JSON.parse(this.token(/"(?:[^"\\]|\\[\s\S])*"/)) as string;
  }
}

// ----------------------------------------------------------------------------------------------
// Exact decimal arithmetic on number tokens: value = sign * digits * 10^exp (BigInt, no rounding).
// ----------------------------------------------------------------------------------------------

interface Decimal { negative: boolean; digits: string; exp: bigint }  // digits: no leading/trailing zeros; "" is zero

function decimalOf(token: string): Decimal {
  const m = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/.exec(token);
  if (!m) throw new Error(`model bug: not a number token: ${token}`);
  const fraction = m[3] ?? '';
  const all = (m[2] + fraction).replace(/^0+/, '');
  const digits = all.replace(/0+$/, '');
  const exp = BigInt(m[4] ?? '0') - BigInt(fraction.length) + BigInt(all.length - digits.length);
  return digits === '' ? { negative: false, digits: '', exp: 0n } : { negative: m[1] === '-', digits, exp };
}

/** Number of digits before the decimal point (0 for |x| < 1). */
function integerDigits(d: Decimal): bigint {
  const n = BigInt(d.digits.length) + d.exp;
  return n > 0n ? n : 0n;
}

/** Value of `d` scaled by 10^scale, when that is an integer (callers bound the size first). */
function scaled(d: Decimal, scale: bigint): bigint | undefined {
  const e = d.exp + scale;
  if (d.digits !== '' && e < 0n) return undefined;
  const magnitude = d.digits === '' ? 0n : BigInt(d.digits) * 10n ** e;
  return d.negative ? -magnitude : magnitude;
}

/** The key: a JSON number spelled as an integer (no fraction, no exponent) in the signed 64-bit range. */
function int64(token: string): bigint | undefined {
  if (!/^-?[0-9]+$/.test(token)) return undefined;
  const d = decimalOf(token);
  if (integerDigits(d) > 19n) return undefined;
  const v = scaled(d, 0n);
  return v !== undefined && v >= -(2n ** 63n) && v < 2n ** 63n ? v : undefined;
}

/** decimal(18,2) as text with exactly 2 fraction digits, or undefined when it does not fit. */
function decimal18x2(token: string): string | undefined {
  const d = decimalOf(token);
  if (integerDigits(d) > 16n) return undefined;
  const cents = scaled(d, 2n);
  if (cents === undefined) return undefined;  // more than 2 fraction digits
  const text = (cents < 0n ? -cents : cents).toString().padStart(3, '0');
  return `${cents < 0n ? '-' : ''}${text.slice(0, -2)}.${text.slice(-2)}`;
}

/** `YYYY-MM-DD` naming a real day of the (proleptic) Gregorian calendar, years 0001-9999. */
function isCalendarDate(s: string): boolean {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(s);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return year >= 1 && daysInMonth !== undefined && day >= 1 && day <= daysInMonth;
}

// ----------------------------------------------------------------------------------------------
// Inputs: "Format of a file", and the order key.
// ----------------------------------------------------------------------------------------------

interface OrderKey { date: string; file: string; line: number }
interface RawRecord { at: OrderKey; raw: string; value: Json | undefined }  // value undefined: malformed

/**
 * Natural order of paths: runs of ASCII digits compare as numbers, other runs byte-wise (UTF-8); for
 * equal numbers the run with fewer leading zeros first; paths still equal compare byte-wise.
 */
function compareNatural(a: string, b: string): number {
  const runs = (s: string) => s.match(/[0-9]+|[^0-9]+/g) ?? [];
  const bytes = (x: string, y: string) => Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8'));
  const [ra, rb] = [runs(a), runs(b)];
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    const [x, y] = [ra[i]!, rb[i]!];
    let order: number;
    if (/^[0-9]/.test(x) && /^[0-9]/.test(y)) {
      const [nx, ny] = [BigInt(x), BigInt(y)];
      order = nx < ny ? -1 : nx > ny ? 1 : x.length - y.length;
    } else order = bytes(x, y);
    if (order !== 0) return order;
  }
  return ra.length - rb.length || bytes(a, b);
}

/** Order key comparison without the order field: journal date, then file path (natural order), then position. */
function compareOrder(a: OrderKey, b: OrderKey): number {
  if (a.date !== b.date) return a.date < b.date ? -1 : 1;
  const byFile = compareNatural(a.file, b.file);
  return byFile !== 0 ? byFile : a.line - b.line;
}

/** Lines end at LF, CR LF or a lone CR; a line of spaces and tabs only is blank. */
const splitLines = (text: string): string[] => text.split(/\r\n|\r|\n/);
const isBlank = (line: string): boolean => /^[ \t]*$/.test(line);

/** The text of a JSON value without whitespace between tokens (valid JSON assumed). */
function compactJson(text: string): string {
  return text.replace(/("(?:[^"\\]|\\.)*")|[ \t\n\r]+/g, (_m, str: string | undefined) => str ?? '');
}

/**
 * "Format of a file": a `.json` file whose whole text is one strict JSON value is a document (an
 * array: one record per element; anything else: one record); every other file, and a `.json` file
 * that is not one value, is read line by line. A byte order mark at the start is ignored.
 */
function readFile(file: ModelFile): RawRecord[] {
  const text = file.content.replace(/^\ufeff/, '');
  const at = (line: number): OrderKey => ({ date: file.date, file: file.path, line });
  if (/\.json(\.gz)?$/.test(file.path)) {
    const whole = parseJson(text);
    if (whole !== undefined) {
      if (Array.isArray(whole)) {
        const elements = JSON.parse(text) as unknown[];
        return whole.map((value, i) => ({ at: at(i + 1), raw: elementText(text, i, elements.length), value }));
      }
      return [{ at: at(1), raw: compactJson(text), value: whole }];
    }
  }
  return splitLines(text).flatMap((line, i) => (isBlank(line) ? [] : [{ at: at(i + 1), raw: line, value: parseJson(line) }]));
}

/** The text of element `i` of a JSON array text, compacted. */
function elementText(text: string, i: number, count: number): string {
  const parts = splitTopLevel(compactJson(text).slice(1, -1));
  if (parts.length !== count) throw new Error('model bug: array element split');
  return parts[i]!;
}

/** The inside of a compact JSON array or object cut at its own commas (not those of nested values or strings). */
function splitTopLevel(inner: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let k = 0; k < inner.length; k++) {
    const c = inner[k];
    if (c === '"') {
      for (k++; inner[k] !== '"'; k++) if (inner[k] === '\\') k++;
    } else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(inner.slice(from, k));
      from = k + 1;
    }
  }
  if (inner.length) parts.push(inner.slice(from));
  return parts;
}

// ----------------------------------------------------------------------------------------------
// Record validation: every problem, in the order of the table (row by row; within a row, schema order).
// ----------------------------------------------------------------------------------------------

type Validated = { ok: true; id: bigint; values: Values } | { ok: false; problems: string[] };

function validate(value: Json | undefined): Validated {
  if (value === undefined) return { ok: false, problems: ['malformed JSON'] };
  if (!(value instanceof JsonObject)) return { ok: false, problems: ['not a JSON object'] };
  if (value.duplicateNames) return { ok: false, problems: ['duplicate member name'] };
  const problems: string[] = [];

  const key = value.fields.get('Id');
  let id: bigint | undefined;
  if (key === undefined) problems.push('Id: missing');
  else if (key === null) problems.push('Id: null');
  else {
    id = key instanceof JsonNumber ? int64(key.text) : undefined;
    if (id === undefined) problems.push(`Id: expected integer, got ${jsonType(key)}`);
  }

  // Present (not missing, not null) schema fields; everything else is ignored.
  const present: Array<{ field: string; type: FieldType; v: Exclude<Json, null> }> = [];
  for (const [field, type] of OTHER_FIELDS) {
    const v = value.fields.get(field) ?? null;
    if (v !== null) present.push({ field, type, v });
  }
  // One problem at most per field, in schema order.
  const wellTyped = present.filter(({ field, type, v }) => {
    if (jsonType(v) !== JSON_TYPE_OF[type]) {
      problems.push(`${field}: expected ${type}, got ${jsonType(v)}`);
      return false;
    }
    if (type === 'date' && !isCalendarDate(v as string)) problems.push(`${field}: invalid date`);
    if (type === 'decimal(18,2)' && decimal18x2((v as JsonNumber).text) === undefined) problems.push(`${field}: not a decimal(18,2)`);
    return true;
  });
  // Cross-field check, only when both dates are present and valid.
  const validDate = (field: string): string | undefined => {
    const p = wellTyped.find((x) => x.field === field);
    return p !== undefined && isCalendarDate(p.v as string) ? (p.v as string) : undefined;
  };
  const start = validDate('start_date');
  const end = validDate('end_date');
  if (start !== undefined && end !== undefined && end < start) problems.push('end_date before start_date');

  if (problems.length > 0 || id === undefined) return { ok: false, problems };
  const values: Values = Object.fromEntries(OTHER_FIELDS.map(([f]) => [f, null]));
  for (const { field, type, v } of present) {
    values[field] = type === 'decimal(18,2)' ? decimal18x2((v as JsonNumber).text)! : (v as string | boolean);
  }
  return { ok: true, id, values };
}

/** Step 6 of the fold: PII handling, applied to accepted records before the fold. */
function applyPii(values: Values, p: ModelPolicies): Values {
  const out: Values = {};
  for (const f of valueFields(p)) {
    const v = values[f] ?? null;
    if (p.pii === 'hash' && PII_FIELDS.includes(f) && v !== null) {
      if (p.piiKey === undefined) throw new Error('pii policy "hash" needs a piiKey');
      out[f] = createHmac('sha256', Buffer.from(p.piiKey, 'utf8')).update(Buffer.from(String(v), 'utf8')).digest('hex');
    } else out[f] = v;
  }
  return out;
}

/**
 * A rejected record's text under `drop`/`hash`: an object (no duplicate names) with a PII member is
 * rebuilt from its compact tokens without (drop) or with hashed (hash) PII values; an object without
 * one keeps its text; anything that is not such an object keeps no text.
 */
function redactedRaw(raw: string | null, p: ModelPolicies): string | null {
  const value = raw === null ? undefined : parseJson(raw);
  if (!(value instanceof JsonObject) || value.duplicateNames) return null;
  if (!PII_FIELDS.some((f) => value.fields.has(f))) return raw;
  const members = topLevelMembers(compactJson(raw!));
  const kept = members.flatMap(({ name, text, valueText }) => {
    if (!PII_FIELDS.includes(name)) return [text];
    if (p.pii === 'drop') return [];
    if (valueText === 'null') return [text];
    const v = parseJson(valueText);
    const plain = typeof v === 'string' ? v : valueText;
    const digest = createHmac('sha256', Buffer.from(p.piiKey ?? '', 'utf8')).update(Buffer.from(plain, 'utf8')).digest('hex');
    return [`${text.slice(0, text.length - valueText.length)}"${digest}"`];
  });
  return `{${kept.join(',')}}`;
}

/** The members of a compact JSON object text: decoded name, member text, value text. */
function topLevelMembers(compact: string): { name: string; text: string; valueText: string }[] {
  return splitTopLevel(compact.slice(1, -1)).map((text) => {
    const nameEnd = /^"(?:[^"\\]|\\.)*"/.exec(text)![0].length;
    return { name: JSON.parse(text.slice(0, nameEnd)) as string, text, valueText: text.slice(nameEnd + 1) };
  });
}

// ----------------------------------------------------------------------------------------------
// The fold
// ----------------------------------------------------------------------------------------------

interface Rec { id: bigint; values: Values; at: OrderKey; raw: string }
// group: the (key, date) duplicates it stands for; own: its record's own values (values may be filled under coalesce)
interface Candidate extends Rec { group: Rec[]; own: Values }
interface Row { id: bigint; values: Values; at: OrderKey }

const sameValues = (a: Values, b: Values): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((f) => a[f] === b[f]);

/** `into` with its null fields filled from `sources`, taking the first non-null value in that order. */
function fillNulls(into: Values, sources: Values[]): Values {
  const out: Values = { ...into };
  for (const f of Object.keys(out)) {
    if (out[f] === null) out[f] = sources.map((s) => s[f] ?? null).find((v) => v !== null) ?? null;
  }
  return out;
}

export function foldRun(previous: ModelRow[], files: ModelFile[], catalog: CatalogEntry[], policies: ModelPolicies): ModelRunResult {
  const catalogBySubscription = new Map<string, CatalogEntry>();
  for (const entry of catalog) {
    if (catalogBySubscription.has(entry.subscription)) throw new Error(`duplicate subscription in catalog: ${entry.subscription}`);
    catalogBySubscription.set(entry.subscription, entry);
  }

  const rejected: ModelRejected[] = [];
  const reject = (r: { at: OrderKey; raw: string }, reason: string): void => {
    rejected.push({ journal_file: r.at.file, journal_date: r.at.date, position: r.at.line, reason, raw: r.raw });
  };
  const conflict = (r: Rec): string => `conflicting duplicates for Id ${r.id} on ${r.at.date}`;

  // Order within a journal day: the order field's value (null before any value), then the file, then the position.
  const orderValue = (values: Values) => (policies.orderField === undefined ? null : values[policies.orderField] ?? null);
  const compareValues = (x: boolean | string | null, y: boolean | string | null): number => {
    if (x === y) return 0;
    if (x === null) return -1;
    if (y === null) return 1;
    if (policies.orderField === 'cost') {
      const cents = (t: string) => BigInt(t.replace('.', ''));
      return cents(String(x)) < cents(String(y)) ? -1 : 1;
    }
    return Buffer.compare(Buffer.from(String(x), 'utf8'), Buffer.from(String(y), 'utf8'));
  };
  const compareRecords = (a: { at: OrderKey; values: Values }, b: { at: OrderKey; values: Values }): number => {
    if (a.at.date !== b.at.date) return a.at.date < b.at.date ? -1 : 1;
    return compareValues(orderValue(a.values), orderValue(b.values)) || compareOrder(a.at, b.at);
  };

  // Read and validate every record of the consumed files, in order key order; B = accepted ones.
  const records = files.flatMap(readFile).sort((a, b) => compareOrder(a.at, b.at));
  const accepted: Rec[] = [];
  for (const r of records) {
    const v = validate(r.value);
    if (v.ok) accepted.push({ id: v.id, values: applyPii(v.values, policies), at: r.at, raw: r.raw });
    else reject(r, v.problems.join('; '));
  }
  accepted.sort(compareRecords);

  // The current version; enrichment columns of previous rows are ignored.
  const fields = valueFields(policies);
  const rows = new Map<bigint, Row>();
  for (const r of previous) {
    const stored = r as unknown as Record<string, boolean | string | null | undefined>;
    const values: Values = Object.fromEntries(fields.map((f) => [f, stored[f] ?? null]));
    rows.set(BigInt(r.Id), { id: BigInt(r.Id), values, at: { date: r._journal_date, file: r._journal_file, line: r._journal_line } });
  }

  // 3 (the last sentence). A record that loses to the current row of its key contributes nothing, not
  // even to coalesce: under coalesce it takes no part in its group's candidate. (Under overwrite a loser
  // changes nothing: the run's winner is its newest record. Under reject a group of the row's date that
  // differs from the row is a conflict, rejected whole below; an identical one is kept and changes
  // nothing.)
  const beatsRow = (r: Rec, row: Row): boolean => {
    if (r.at.date !== row.at.date) return r.at.date > row.at.date;
    switch (policies.duplicates) {
      case 'last': return compareRecords(r, row) > 0;
      case 'first': return compareRecords(r, row) < 0;
      case 'reject': return true;
    }
  };
  const contributes = (r: Rec): boolean => {
    if (policies.nulls !== 'coalesce') return true;
    const row = rows.get(r.id);
    return row === undefined || beatsRow(r, row);
  };

  // 1-2. Duplicates: one candidate per (key, journal date).
  const groups = new Map<string, Rec[]>();
  for (const r of accepted) {
    const g = `${r.id} ${r.at.date}`;
    groups.set(g, [...(groups.get(g) ?? []), r]);  // stays in order key order
  }
  const candidates: Candidate[] = [];
  for (const group of groups.values()) {
    if (policies.duplicates === 'reject') {
      // A conflict: records that differ among themselves, or from the key's row of their date.
      const newest = group[group.length - 1]!;
      const row = rows.get(newest.id);
      const differsFromRow = row !== undefined && row.at.date === newest.at.date && !sameValues(newest.values, row.values);
      if (differsFromRow || !group.every((r) => sameValues(r.values, newest.values))) for (const r of group) reject(r, conflict(r));
      else if (contributes(newest)) candidates.push({ ...newest, group, own: newest.values });
      continue;
    }
    const kept = group.filter(contributes);
    if (kept.length === 0) continue;
    const preferred = policies.duplicates === 'last' ? [...kept].reverse() : kept;  // most preferred first
    const chosen = preferred[0]!;
    const values = policies.nulls === 'coalesce' ? fillNulls(chosen.values, preferred.map((r) => r.values)) : chosen.values;
    candidates.push({ ...chosen, values, group, own: chosen.values });
  }

  // 3. Per key, the winning candidate is the one with the newest journal date.
  const winners = new Map<bigint, Candidate>();
  for (const c of candidates) {
    const w = winners.get(c.id);
    if (w === undefined || c.at.date > w.at.date) winners.set(c.id, c);
  }
  // 2 (across dates). With coalesce, the winner's null fields come from the key's older candidates,
  // newest date first: the same values as folding those days one run after another.
  if (policies.nulls === 'coalesce') {
    for (const [id, w] of winners) {
      const older = candidates.filter((c) => c.id === id && c !== w).sort((a, b) => (a.at.date < b.at.date ? 1 : -1));
      winners.set(id, { ...w, values: fillNulls(w.values, older.map((c) => c.values)) });
    }
  }

  const replaces = (c: Candidate, row: Row): boolean => {
    if (c.at.date !== row.at.date) return c.at.date > row.at.date;  // late data never replaces newer data
    // The candidate's place in the order is its own record's.
    const own = { at: c.at, values: c.own };
    switch (policies.duplicates) {
      case 'last': return compareRecords(own, row) > 0;
      case 'first': return compareRecords(own, row) < 0;
      case 'reject':
        if (!sameValues(c.values, row.values)) for (const r of c.group) reject(r, conflict(r));
        return false;
    }
  };

  let inserted = 0;
  let updated = 0;
  for (const [id, c] of winners) {
    const row = rows.get(id);
    if (row === undefined) {
      rows.set(id, { id, values: c.values, at: c.at });
      inserted++;
    } else if (replaces(c, row)) {
      // 4. With coalesce, the candidate's null fields keep the row's values.
      const values = policies.nulls === 'coalesce' ? fillNulls(c.values, [row.values]) : c.values;
      rows.set(id, { id, values, at: c.at });
      updated++;
    }
  }

  // 5. No key is ever deleted (rows only ever get added or replaced above).
  // 7. Enrichment: LEFT join on subscription.
  let unmatchedSubscriptions = 0;
  const out: ModelRow[] = [...rows.values()]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((row) => {
      const subscription = row.values['subscription'] ?? null;
      const match = typeof subscription === 'string' ? catalogBySubscription.get(subscription) : undefined;
      if (match === undefined) unmatchedSubscriptions++;
      const text = (f: string): string | null => { const x = row.values[f]; return typeof x === 'string' ? x : null; };
      const active = row.values['active'];
      return {
        Id: row.id.toString(),
        active: typeof active === 'boolean' ? active : null,
        subscription: text('subscription'), cost: text('cost'), start_date: text('start_date'), end_date: text('end_date'),
        ...(policies.pii === 'drop' ? {} : { customer_first_name: text('customer_first_name'), customer_last_name: text('customer_last_name') }),
        numberOfChannels: match === undefined ? null : BigInt(match.numberOfChannels).toString(),
        extras: match === undefined ? null : { ...match.extras },
        _journal_date: row.at.date, _journal_file: row.at.file, _journal_line: row.at.line,
      };
    });

  // Quarantine text under the PII policy ("Quarantine" in SEMANTICS.md).
  if (policies.pii !== 'keep') for (const r of rejected) r.raw = redactedRaw(r.raw, policies);
  rejected.sort((a, b) =>
    compareOrder({ date: a.journal_date, file: a.journal_file, line: a.position }, { date: b.journal_date, file: b.journal_file, line: b.position }));
  return {
    rows: out,
    rejected,
    counts: {
      inputRecords: records.length,
      acceptedRecords: records.length - rejected.length,
      rejectedRecords: rejected.length,
      inserted,
      updated,
      unchanged: rows.size - inserted - updated,
      totalKeys: rows.size,
      unmatchedSubscriptions,
    },
  };
}

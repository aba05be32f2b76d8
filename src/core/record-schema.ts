/** The journal record: field names, types, key. Configuration, with the brief's schema as default. */
import { nearestName } from './near-name.js';

export type FieldType = 'bigint' | 'boolean' | 'string' | 'date' | `decimal(${number},${number})`;

export interface FieldSpec {
  name: string;
  type: FieldType;
}

export interface RecordSchema {
  /** The key field; always a 64-bit integer. */
  key: string;
  /** Non-key fields, in output order. */
  fields: FieldSpec[];
  /** Fields holding personal data, handled by the PII policy. */
  pii: string[];
  /** The join column with the catalog. */
  joinField: string;
  /** Optional validity interval: `end` must not be before `start`. */
  interval?: { start: string; end: string };
  /**
   * Optional field that orders the records of one journal day before their file position (like a
   * precombine field: an update time, a sequence number). Null orders before every value.
   */
  orderField?: string;
}

export const DEFAULT_SCHEMA: RecordSchema = {
  key: 'Id',
  fields: [
    { name: 'active', type: 'boolean' },
    { name: 'subscription', type: 'string' },
    { name: 'customer_first_name', type: 'string' },
    { name: 'customer_last_name', type: 'string' },
    // Money is never a float.
    { name: 'cost', type: 'decimal(18,2)' },
    { name: 'start_date', type: 'date' },
    { name: 'end_date', type: 'date' },
  ],
  pii: ['customer_first_name', 'customer_last_name'],
  joinField: 'subscription',
  interval: { start: 'start_date', end: 'end_date' },
};

/** Names starting with `_` are lineage columns; a field may not take one. */
export const LINEAGE_COLUMNS = ['_journal_date', '_journal_file', '_journal_line'] as const;

export function decimalShape(type: FieldType): { precision: number; scale: number } | undefined {
  const match = /^decimal\((\d+),(\d+)\)$/.exec(type);
  return match ? { precision: Number(match[1]), scale: Number(match[2]) } : undefined;
}

/**
 * Names are data: any text is a legal field name (quotes, dots, brackets, spaces, any script) and
 * is handled exactly wherever it goes. Only an empty name and control characters (U+0000 to
 * U+001F) are refused: they cannot be told apart in messages, logs and most tools.
 */
function nameProblems(schema: RecordSchema): string[] {
  const named: [string, string][] = [
    ['key', schema.key],
    ...schema.fields.map((f, i): [string, string] => [`field #${i + 1}`, f.name]),
    ['join field', schema.joinField],
    ...(schema.orderField !== undefined ? [['order field', schema.orderField] as [string, string]] : []),
  ];
  const problems: string[] = [];
  for (const [role, name] of named) {
    if (name === '') problems.push(`${role}: the name is empty`);
    else if (/[\u0000-\u001f]/.test(name)) problems.push(`${role} ${JSON.stringify(name)}: the name contains a control character (U+0000 to U+001F)`);
  }
  return problems;
}

/** Problems with a schema from configuration, as messages a user can act on. */
export function schemaProblems(schema: RecordSchema): string[] {
  const problems: string[] = [];
  const names = new Set<string>([schema.key]);
  for (const field of schema.fields) {
    if (names.has(field.name)) problems.push(`field ${field.name} is declared twice`);
    names.add(field.name);
    if (field.name.startsWith('_')) problems.push(`field ${field.name}: names starting with _ are reserved for lineage`);
    const decimal = decimalShape(field.type);
    if (field.type.startsWith('decimal') && (!decimal || decimal.precision > 38 || decimal.scale > decimal.precision)) {
      problems.push(`field ${field.name}: got type ${field.type}, expected decimal(p,s) with s <= p <= 38`);
    }
  }
  for (const pii of schema.pii) if (!names.has(pii) || pii === schema.key) problems.push(`pii field ${pii} is not a non-key field`);
  if (!schema.fields.some((f) => f.name === schema.joinField && f.type === 'string')) {
    problems.push(`join field ${schema.joinField} must be a string field of the schema`);
  }
  if (schema.orderField !== undefined) {
    const order = schema.orderField;
    const field = schema.fields.find((f) => f.name === order);
    if (order === schema.key) problems.push(`order field ${order} is the key: expected a non-key field of the schema`);
    else if (!field) {
      const near = nearestName(order, schema.fields.map((f) => f.name));
      problems.push(`order field ${order} must be a non-key field of the schema${near ? ` (did you mean ${near}?)` : ''}`);
    } else if (field.type === 'boolean') problems.push(`order field ${order} is boolean: expected a bigint, string, date or decimal field`);
    if (schema.pii.includes(order)) problems.push(`order field ${order} is a PII field: its values would not be kept to order by`);
  }
  problems.push(...nameProblems(schema));
  if (schema.interval) {
    for (const end of [schema.interval.start, schema.interval.end]) {
      if (!schema.fields.some((f) => f.name === end && f.type === 'date')) problems.push(`interval field ${end} must be a date field`);
    }
  }
  return problems;
}

/**
 * What becomes of one Kafka message in the archive: a journal line in a day folder, or a
 * quarantine entry. Pure functions; the lake side is archive-store.ts.
 */
import { isUtf8 } from 'node:buffer';
import { isCalendarDate } from '../lake/journal-files.js';
import { isSingleJsonValue } from '../lake/json-text.js';

export interface KafkaMessage {
  partition: number;
  /** Kafka offsets are 64-bit: kept as bigint. */
  offset: bigint;
  /** Milliseconds since the epoch (the record's timestamp). */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
}

/** Which day folder a record goes to: its Kafka timestamp (UTC), or a date field of the record. */
export type DayRule = { kind: 'timestamp' } | { kind: 'field'; field: string };

export interface QuarantineEntry {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key: string | null;
  reason: string;
  /** The value as text when it is UTF-8, else base64 in `valueBase64`. */
  value?: string | null;
  valueBase64?: string;
}

export type ArchivedMessage =
  | { kind: 'line'; day: string; line: string }
  | { kind: 'quarantined'; day: string; entry: QuarantineEntry };

export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The JSON text without the whitespace between tokens, so that it fits on one line. Every token is
 * kept as written (numbers are not reformatted: 10.50 stays 10.50, big integers keep their digits).
 * The text must already be known to be valid JSON, in which strings hold no raw line breaks.
 */
export function compactJson(text: string): string {
  if (!/[\n\r\t ]/.test(text)) return text;
  let out = '';
  let inString = false;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      out += text.slice(from, i);
      from = i + 1;
    }
  }
  return out + text.slice(from);
}

function dayOfField(record: Record<string, unknown>, field: string): string | undefined {
  const value = record[field];
  if (typeof value !== 'string') return undefined;
  const day = value.slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}/.test(value) && isCalendarDate(day) ? day : undefined;
}

/** The JSON type of a parsed value, in the words of docs/SEMANTICS.md. */
const jsonType = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

const keyText = (key: Buffer | null) => (key === null ? null : isUtf8(key) ? key.toString('utf8') : `base64:${key.toString('base64')}`);

/**
 * A message becomes a journal line when its value is one JSON object: UTF-8 text that is strict JSON
 * as the run reads it (docs/SEMANTICS.md, "JSON": RFC 8259, no trailing commas, NaN, comments or text
 * after the value, no lone surrogate escapes), whose top-level value is an object. Anything else is
 * quarantined here, with the message's topic, partition and offset: the archive's journal files are
 * line-delimited JSON objects and nothing else, whoever reads them. Reasons: no value (a tombstone:
 * a key is never deleted), not UTF-8, malformed JSON, not a JSON object, or, with a day field, no
 * day. An object is otherwise the run's to judge, with file and line: one with a member name twice
 * is valid JSON, archived as it is, and rejected by the run ("duplicate member name").
 */
export function archiveMessage(topic: string, message: KafkaMessage, rule: DayRule): ArchivedMessage {
  const timestampDay = utcDay(message.timestamp);
  const quarantine = (reason: string, value: Partial<QuarantineEntry>): ArchivedMessage => ({
    kind: 'quarantined',
    day: timestampDay,
    entry: {
      topic, partition: message.partition, offset: message.offset.toString(), timestamp: new Date(message.timestamp).toISOString(),
      key: keyText(message.key), reason, ...value,
    },
  });
  if (message.value === null) return quarantine('tombstone (no value): keys are never deleted', { value: null });
  if (!isUtf8(message.value)) return quarantine('not valid UTF-8', { valueBase64: message.value.toString('base64') });
  const text = message.value.toString('utf8');
  if (!isSingleJsonValue(text)) return quarantine('malformed JSON', { value: text });
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return quarantine(`not a JSON object: got ${jsonType(parsed)}`, { value: text });
  }
  let day = timestampDay;
  if (rule.kind === 'field') {
    const fromField = dayOfField(parsed as Record<string, unknown>, rule.field);
    if (!fromField) return quarantine(`no day: field ${rule.field} is missing or not a date`, { value: text });
    day = fromField;
  }
  return { kind: 'line', day, line: compactJson(text) };
}

const OFFSET_DIGITS = 20;
const PARTITION_DIGITS = 5;

/**
 * `<topic>+<partition>+<first offset>+<last offset>.jsonl`, zero-padded so that, within a day
 * folder, file names sort in offset order: the run's order of a key's records within a day is
 * then its partition's order.
 */
export function segmentFileName(topic: string, partition: number, first: bigint, last: bigint): string {
  return `${topic}+${String(partition).padStart(PARTITION_DIGITS, '0')}+${first.toString().padStart(OFFSET_DIGITS, '0')}+${last.toString().padStart(OFFSET_DIGITS, '0')}.jsonl`;
}

export function parseSegmentFileName(name: string): { topic: string; partition: number; first: bigint; last: bigint } | undefined {
  const match = /^(.+)\+(\d+)\+(\d+)\+(\d+)\.jsonl$/.exec(name);
  if (!match) return undefined;
  return { topic: match[1]!, partition: Number(match[2]), first: BigInt(match[3]!), last: BigInt(match[4]!) };
}

/** Topic names the archive can use: Kafka's legal names, not hidden from the run by a leading . or _. */
export function topicProblem(topic: string): string | undefined {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic)) return `topic "${topic}" is not a legal Kafka topic name`;
  if (/^[._]/.test(topic)) return `topic "${topic}" starts with "${topic[0]}": the run ignores journal files named so`;
  return undefined;
}

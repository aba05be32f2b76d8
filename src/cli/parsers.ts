/**
 * Parsers of option and argument values. Each turns the text of a flag into a number, bigint or
 * checked string at parse time, so a bad value is a usage error (exit 2) before any I/O, and no
 * flag text goes further than this module as text when it stands for a number.
 */
import { InvalidArgumentError } from 'commander';
import { isCalendarDate } from '../lake/journal-files.js';

export const day = (value: string): string => {
  if (!isCalendarDate(value)) throw new InvalidArgumentError(`got ${value}, expected a date YYYY-MM-DD`);
  return value;
};

/** A date (the end of that day, UTC) or an ISO timestamp. */
export const dateOrTimestamp = (value: string): string => {
  const ok = /^\d{4}-\d{2}-\d{2}$/.test(value) ? isCalendarDate(value) : /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value));
  if (!ok) throw new InvalidArgumentError(`got ${value}, expected a date YYYY-MM-DD or an ISO timestamp such as 2024-01-02T12:00:00Z`);
  return value;
};

export const int = (min: number) => (value: string): number => {
  const n = /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`got ${value}, expected an integer >= ${min}`);
  return n;
};

/** A share of a whole: a number from 0 to 1. */
export const share = (value: string): number => {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError(`got ${value}, expected a number between 0 and 1`);
  return n;
};

/** A duration in seconds: a positive number. */
export const seconds = (value: string): number => {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError(`got ${value}, expected a number of seconds > 0`);
  return n;
};

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A key value: a 64-bit signed integer, as a bigint (keys do not fit a double). */
export const int64 = (value: string): bigint => {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`got ${value}, expected an integer`);
  const n = BigInt(value);
  if (n < INT64_MIN || n > INT64_MAX) throw new InvalidArgumentError(`got ${value}, expected a 64-bit integer`);
  return n;
};

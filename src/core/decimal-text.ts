/**
 * Exact decimals from JSON number text, in SQL: no double on the way. A number is read as
 * sign · digits · 10^exponent; it is a decimal(p,s) when, after dropping zeros that carry no value,
 * it has at most s fraction digits and at most p - s integer digits. Then its text (the digits with
 * the point put back) is cast, which cannot round. Rendered through a dialect for every engine.
 */
import type { SqlDialect } from '../engines/engine.js';

/** The parts of a JSON number token: sign, integer digits, fraction digits, exponent. */
const NUMBER_PARTS = '^(-?)([0-9]+)(?:\\.([0-9]+))?(?:[eE]([+-]?)0*([0-9]+))?$';
/** Exponents this long are far outside any decimal(p,s) unless the digits are all zero. */
const MAX_EXPONENT_DIGITS = 12;

/** The common spelling, cast at once: at most p-s integer digits and s fraction digits. */
const plainSpelling = (precision: number, scale: number) =>
  scale > 0 ? `-?[0-9]{1,${precision - scale}}(\\.[0-9]{1,${scale}})?` : `-?[0-9]{1,${precision}}`;

/** A column (for a SELECT list) telling whether field `i`'s number text `s_i` casts at once: `dplain_i`. */
export function decimalPlainColumn(d: SqlDialect, i: number, precision: number, scale: number): string {
  return `CASE WHEN t_${i} IN ('integer', 'number') THEN ${d.matches(`s_${i}`, plainSpelling(precision, scale))} ELSE FALSE END AS dplain_${i}`;
}

/** The parts of a number's text: sign, digits without leading zeros, exponent of the last digit (NULL when huge). */
function numberParts(d: SqlDialect, text: string): { sg: string; dig: string; dexp: string } {
  const part = (group: number) => d.regexpExtract(text, NUMBER_PARTS, group);
  // The exponent's digits come without leading zeros (group 5), its sign apart (group 4).
  const exponent = `CASE WHEN ${part(5)} = '' THEN 0 WHEN length(${part(5)}) > ${MAX_EXPONENT_DIGITS} THEN NULL
    ELSE CAST(concat(${part(4)}, ${part(5)}) AS BIGINT) END`;
  return { sg: part(1), dig: d.replaceRegex(`concat(${part(2)}, ${part(3)})`, '^0+', ''), dexp: `${exponent} - length(${part(3)})` };
}

/**
 * Columns (for a SELECT list over a row with `dplain_i`) that take apart the other numbers of field `i`:
 * `dsg_i` (sign), `dig_i` (digits without leading zeros), `dexp_i` (exponent of the last digit, NULL
 * when huge). The common spelling skips this work. None for an engine that runs rare branches apart
 * (exactDecimal takes the number apart there).
 */
export function decimalPartColumns(d: SqlDialect, i: number): string[] {
  if (d.rareBranch) return [];
  const parts = numberParts(d, `s_${i}`);
  // The usual number is plain: tested first, a hint to engines that evaluate a conjunction in order.
  const isNumber = `NOT dplain_${i} AND t_${i} IN ('integer', 'number')`;
  return [
    `CASE WHEN ${isNumber} THEN ${parts.sg} END AS dsg_${i}`,
    `CASE WHEN ${isNumber} THEN ${parts.dig} END AS dig_${i}`,
    `CASE WHEN ${isNumber} THEN ${parts.dexp} END AS dexp_${i}`,
  ];
}

/**
 * The typed decimal value of field `i` (needs `dplain_i` in the row and, for an engine without
 * rareBranch, decimalPartColumns), or NULL when the number has more fraction digits than the scale
 * or more integer digits than fit.
 */
export function exactDecimal(d: SqlDialect, i: number, precision: number, scale: number): string {
  const type = `DECIMAL(${precision}, ${scale})`;
  const fromParts = (sg: string, dig: string, dexp: string) => {
    const digits = d.replaceRegex(dig, '0+$', '');
    const exponent = `(${dexp} + length(${dig}) - length(${digits}))`;
    const integerDigits = `(length(${digits}) + ${exponent})`;
    const text = `CASE WHEN ${exponent} >= 0 THEN concat(${digits}, repeat('0', CAST(${exponent} AS INT)))
      WHEN ${integerDigits} > 0 THEN concat(substr(${digits}, 1, CAST(${integerDigits} AS INT)), '.', substr(${digits}, CAST(${integerDigits} AS INT) + 1))
      ELSE concat('0.', repeat('0', CAST(-${integerDigits} AS INT)), ${digits}) END`;
    return `CASE WHEN ${dig} = '' THEN CAST(0 AS ${type})
      WHEN ${dexp} IS NULL THEN NULL
      WHEN ${exponent} < -${scale} OR ${integerDigits} > ${precision - scale} THEN NULL
      ELSE CAST(concat(${sg}, ${text}) AS ${type}) END`;
  };
  const other = d.rareBranch
    ? d.rareBranch(numberParts(d, `s_${i}`), (ref) => fromParts(ref('sg'), ref('dig'), ref('dexp')))
    : fromParts(`dsg_${i}`, `dig_${i}`, `dexp_${i}`);
  return `CASE WHEN t_${i} IS NULL OR t_${i} NOT IN ('integer', 'number') THEN NULL
    WHEN dplain_${i} THEN CAST(s_${i} AS ${type})
    ELSE ${other} END`;
}

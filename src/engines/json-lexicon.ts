/**
 * Regular expressions over JSON text that the dialects use (RE2 in DuckDB, java.util.regex in Spark;
 * written in their common syntax; SHORT_NUMBER_JSON_TOKENS is DuckDB's only). They complement an
 * engine's own JSON parser where it is lenient, and give exact number text where it is not.
 */

/** A JSON string token: quotes, then any character but a quote or backslash, or an escape. */
export const JSON_STRING = '"(?:[^"\\\\]|\\\\[\\s\\S])*"';
/** A JSON number token (RFC 8259: no leading zeros, no bare dot, no plus sign). */
export const JSON_NUMBER = '-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?';

/**
 * A JSON number that comes back from a double with its value unchanged: at most 15 digits, no
 * exponent (the complement of NEEDS_EXACT_NUMBERS among number tokens). One alternative per count of
 * integer digits.
 */
export const SHORT_JSON_NUMBER = `-?(?:${Array.from({ length: 15 }, (_, k) =>
  `${k === 0 ? '(?:0|[1-9])' : `[1-9][0-9]{${k}}`}${k < 14 ? `(?:\\.[0-9]{1,${14 - k}})?` : ''}`).join('|')})`;

/** Texts made only of JSON tokens whose numbers are `number`, where every comma is followed by a value. */
const tokensWith = (number: string) => {
  const valueStart = `(?:${JSON_STRING}|${number}|[{\\[]|true|false|null)`;
  return `(?:[ \\t\\n\\r]|[{}\\[\\]:]|,[ \\t\\n\\r]*${valueStart}|${JSON_STRING}|${number}|true|false|null)*`;
};

/**
 * A text made only of JSON tokens, where every comma is followed by a value: no NaN or Infinity, no
 * comments, no single quotes, no trailing commas. (Structure is the parser's job.)
 */
export const JSON_TOKENS = tokensWith(JSON_NUMBER);

/**
 * JSON_TOKENS whose numbers are all short (SHORT_JSON_NUMBER): a text it matches is made of JSON tokens
 * and has no number a double may not hold, in one pass (what strings contain does not matter). Numbers
 * come in runs (a number, then numbers each after a comma) that another token must end: two number
 * tokens never touch, so a long number cannot pass as two short ones.
 */
const nonNumberToken = `[ \\t\\n\\r]|[{}\\[\\]:]|${JSON_STRING}|true|false|null|,[ \\t\\n\\r]*(?:${JSON_STRING}|[{\\[]|true|false|null)`;
const numberRun = `(?:,[ \\t\\n\\r]*)?${SHORT_JSON_NUMBER}(?:,[ \\t\\n\\r]*${SHORT_JSON_NUMBER})*`;
export const SHORT_NUMBER_JSON_TOKENS = `(?:${nonNumberToken}|${numberRun}(?:${nonNumberToken}))*(?:${numberRun})?`;

/** One token of a valid JSON text: a string, a structural character, or a number or literal. */
export const JSON_TOKEN = `${JSON_STRING}|[{}\\[\\]:,]|[^ \\t\\n\\r{}\\[\\]:,"]+`;

/**
 * Numbers that a double may not hold exactly: 16 or more digits, or an exponent. A record with one
 * (or with such text inside a string: harmless) is read from its tagged copy.
 */
export const NEEDS_EXACT_NUMBERS = '[0-9](?:\\.?[0-9]){15}|[0-9][eE]';

/**
 * Tags every string and number of a JSON text so that a parser keeps numbers as their text: a string
 * "x" becomes "SxN" and a number 1.5 becomes "SN1.5" (replacement `"S<1>N<2>"`). Strings always end
 * in N after tagging and numbers never do, so the two stay apart; member names are tagged the same way.
 */
export const TAG_PATTERN = `"((?:[^"\\\\]|\\\\[\\s\\S])*)"|(${JSON_NUMBER})`;

/** The same pattern with every `*` loop possessive (java.util.regex matches those iteratively, not recursively). */
export const possessive = (pattern: string) => pattern.replace(/\*(?![+?])/g, '*+');

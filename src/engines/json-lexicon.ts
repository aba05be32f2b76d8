/**
 * Regular expressions over JSON text that both dialects use (RE2 in DuckDB, java.util.regex in Spark;
 * written in their common syntax). They complement an engine's own JSON parser where it is lenient,
 * and give exact number text where it is not.
 */

/** A JSON string token: quotes, then any character but a quote or backslash, or an escape. */
export const JSON_STRING = '"(?:[^"\\\\]|\\\\[\\s\\S])*"';
/** A JSON number token (RFC 8259: no leading zeros, no bare dot, no plus sign). */
export const JSON_NUMBER = '-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?';

const VALUE_START = `(?:${JSON_STRING}|${JSON_NUMBER}|[{\\[]|true|false|null)`;

/**
 * A text made only of JSON tokens, where every comma is followed by a value: no NaN or Infinity, no
 * comments, no single quotes, no trailing commas. (Structure is the parser's job.)
 */
export const JSON_TOKENS = `(?:[ \\t\\n\\r]|[{}\\[\\]:]|,[ \\t\\n\\r]*${VALUE_START}|${JSON_STRING}|${JSON_NUMBER}|true|false|null)*`;

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

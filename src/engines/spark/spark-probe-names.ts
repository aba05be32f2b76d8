/**
 * The SQL names of the Spark engine's record probe: what the dialect writes into its SQL. Apart from
 * spark-probe-udf.ts (which registers the probe over Spark Connect) so that writing SQL loads no
 * client libraries.
 */
export const PROBE_FUNCTION = 'subsnap_probe_record';
/** Separates the names in the probe's second argument (a name never holds a control character). */
export const PROBE_NAME_SEPARATOR = '\u0001';

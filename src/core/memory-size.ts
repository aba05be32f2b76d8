/** Memory sizes as users write them: 2GB, 1.5GiB, 800MB, 512MiB, 1TB (decimal and binary units). */
const UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40,
};

export function parseMemorySize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b)\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = UNITS[match[2]!.toLowerCase()];
  return unit === undefined ? undefined : Math.floor(Number(match[1]) * unit);
}

/**
 * The share of a process-wide memory limit given to the embedded engine. DuckDB's own limit
 * bounds its buffer pool, not every allocation it makes, and the Node process needs some too:
 * measured on the benchmark, the process exceeds DuckDB's limit by up to about 0.8 GB while one run
 * folds tens of millions of records (a daily run at 50M keys peaked at 1.98 GB with a 1.2 GB share
 * of a 2 GB limit).
 */
export const ENGINE_SHARE_OF_MEMORY_LIMIT = 0.5;

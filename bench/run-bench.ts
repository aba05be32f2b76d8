// `npm run bench`: the daily run at several scales, side by side with the Spark engine, the usual
// PySpark job and the all-columns floor; medians over repetitions, peak RSS of each process tree.
//   npm run bench -- [--scales small,day100,headline,large] [--reps 3] [--out bench/results] [--data DIR] [--spark-warm-ups 10] [--report-only]
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startServer, stopServer } from '../src/engines/spark/spark-server.js';
import { DEFAULT_SERVER } from '../src/engines/spark/spark-server-options.js';
import { measure, type Measured } from './process-meter.js';
import { formatCount, lineChart } from './svg-chart.js';
import { parseMemorySize } from '../src/core/memory-size.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'subsnap.js');

interface Scale {
  name: string;
  snapshotKeys: number;
  journalRecords: number;
  memoryLimit?: string;
  contenders: Contender[];
}
type Contender = 'duckdb' | 'spark' | 'spark-floor' | 'pyspark' | 'floor' | 'noop' | 'generator';
const ALL: Contender[] = ['duckdb', 'spark', 'spark-floor', 'pyspark', 'floor', 'noop', 'generator'];
const SCALES: Record<string, Scale> = {
  tiny: { name: 'tiny', snapshotKeys: 100_000, journalRecords: 10_000, contenders: ALL },
  small: { name: 'small', snapshotKeys: 1_000_000, journalRecords: 100_000, contenders: ALL },
  headline: { name: 'headline', snapshotKeys: 10_000_000, journalRecords: 1_000_000, contenders: ALL },
  // A day of 100 records on a small lake: what a warm Spark server costs per run, fixed costs only.
  day100: { name: 'day100', snapshotKeys: 100_000, journalRecords: 100, contenders: ['duckdb', 'spark'] },
  large: { name: 'large', snapshotKeys: 50_000_000, journalRecords: 1_000_000, memoryLimit: '2GB', contenders: ['duckdb', 'spark', 'spark-floor', 'floor', 'noop', 'generator'] },
};
const LABELS: Record<Contender, string> = {
  duckdb: 'subsnap run (DuckDB)',
  spark: 'subsnap run --engine spark',
  'spark-floor': 'all-columns floor (Spark copy, same server)',
  pyspark: 'PySpark DataFrame job',
  floor: 'all-columns floor (DuckDB copy)',
  noop: 'no-op run (nothing new)',
  generator: 'generator (the J records, to files)',
};
/** Contenders that do the daily run's work, compared with the floor. */
const RUNS: Contender[] = ['duckdb', 'spark', 'spark-floor', 'pyspark', 'floor', 'noop'];

/**
 * Runs of the Spark engine on a new server before any is measured (the first scale's, unmeasured;
 * `--spark-warm-ups`). A new server's runs keep getting faster over about its first ten (class
 * loading, then the JIT): a 100-record day took 12.4, 9.8, 9.5, 8.4, 8.5, 8.7, 7.2, 7.7, 7.1, 7.2,
 * 7.5, 7.3 s on one server.
 */
const DEFAULT_WARM_UP_RUNS = 10;

const { values } = parseArgs({
  options: {
    scales: { type: 'string', default: 'small,headline,large' },
    reps: { type: 'string', default: '3' },
    out: { type: 'string', default: path.join(root, 'bench', 'results') },
    data: { type: 'string', default: path.join(root, 'bench', '.data') },
    // A subset of contenders; results of the others are kept from the previous results.json.
    contenders: { type: 'string', default: ALL.join(',') },
    'spark-warm-ups': { type: 'string', default: String(DEFAULT_WARM_UP_RUNS) },
    // Writes results.md and the chart again from results.json, running nothing.
    'report-only': { type: 'boolean', default: false },
  },
});
const chosen = new Set(values.contenders!.split(',') as Contender[]);
for (const c of chosen) if (!ALL.includes(c)) throw new Error(`unknown contender ${c}: expected some of ${ALL.join(', ')}`);
const reps = Number(values.reps);
const warmUpRuns = Number(values['spark-warm-ups']);
if (!Number.isInteger(warmUpRuns) || warmUpRuns < 0) throw new Error(`--spark-warm-ups takes a whole number, not ${values['spark-warm-ups']}`);
const scales = values.scales!.split(',').map((s) => {
  const scale = SCALES[s];
  if (!scale) throw new Error(`unknown scale ${s}: expected one of ${Object.keys(SCALES).join(', ')}`);
  return { ...scale, contenders: scale.contenders.filter((c) => chosen.has(c)) };
});

/** The JVM heap of both Spark contenders (the engine's server and the PySpark job): the same for a fair race. */
const SPARK_HEAP = DEFAULT_SERVER.memory;

const DAY1 = '2024-01-01';
const DAY2 = '2024-01-02';

function subsnap(...args: string[]): string {
  return execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
}

/** The lake with version 1 holding S distinct keys, and day 2's journal (about 10% new keys). */
async function prepare(scale: Scale, dir: string): Promise<Prepared> {
  const lake = path.join(dir, 'lake');
  const marker = path.join(dir, 'prepared.json');
  if (existsSync(marker)) return JSON.parse(await fs.readFile(marker, 'utf8'));
  await fs.rm(dir, { recursive: true, force: true });
  subsnap('generate', '--lake', lake, '--day', DAY1, '--records', String(scale.snapshotKeys), '--sequential-ids',
    '--id-max', String(scale.snapshotKeys), '--duplicate-rate', '0', '--files-per-day', filesFor(scale.snapshotKeys));
  subsnap(...journalDay(scale, lake));
  // The initial load is set-up, not a contender; it runs under the scale's memory limit too.
  const limit = scale.memoryLimit ? ['--memory-limit', scale.memoryLimit] : [];
  const load = await measure(process.execPath, [cli, 'run', '--lake', lake, '--until', DAY1, '--json', ...limit]);
  if (load.code !== 0) throw new Error(`initial load failed: ${load.stderr}`);
  const prepared = { initialLoadMs: load.ms, initialLoadPeakRssMb: load.peakRssMb };
  await fs.writeFile(marker, JSON.stringify(prepared));
  return prepared;
}

const filesFor = (n: number) => String(Math.max(1, Math.ceil(n / 1_000_000)));

/** Arguments of `subsnap generate` for day 2: J records, about 10% new keys, 3% duplicates. */
function journalDay(scale: Scale, lake: string): string[] {
  return ['generate', '--lake', lake, '--day', DAY2, '--no-catalog', '--records', String(scale.journalRecords),
    '--id-max', String(Math.round(scale.snapshotKeys / 0.9)), '--duplicate-rate', '0.03', '--dirty-rate', '0.001',
    '--files-per-day', filesFor(scale.journalRecords)];
}

/** Back to version 1: the state every contender starts from. */
async function resetToVersion1(lake: string): Promise<void> {
  const logDir = path.join(lake, 'snapshot', '_log');
  for (const name of await fs.readdir(logDir)) if (name !== '00000001.json') await fs.rm(path.join(logDir, name));
  for (const name of await fs.readdir(path.join(lake, 'snapshot', 'versions'))) {
    if (name !== '00000001') await fs.rm(path.join(lake, 'snapshot', 'versions', name), { recursive: true });
  }
  for (const name of await fs.readdir(path.join(lake, 'quarantine')).catch(() => [])) {
    if (name !== 'version=00000001') await fs.rm(path.join(lake, 'quarantine', name), { recursive: true });
  }
  // The Delta log: only the entry of version 1 (Delta version 0).
  const deltaLog = path.join(lake, 'snapshot', '_delta_log');
  for (const name of await fs.readdir(deltaLog).catch(() => [])) {
    if (name !== '00000000000000000000.json') await fs.rm(path.join(deltaLog, name), { recursive: true });
  }
}

interface Sample { ms: number; peakRssMb: number }
interface Result { scale: string; snapshotKeys: number; journalRecords: number; contender: Contender; samples: Sample[]; median: number; min: number; max: number; peakRssMb: number; note?: string; failed?: string; measuredAt?: string; machine?: string }

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const results: Result[] = [];
  const prepared: Record<string, unknown> = {};
  let spark: { port: number; stateDir: string; pid?: number; startMs: number; warm?: boolean } | undefined;
  if (scales.some((s) => s.contenders.includes('spark') || s.contenders.includes('spark-floor'))) {
    const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'subsnap-bench-spark-'));
    const t = Date.now();
    const status = await startServer({ port: 15302, memory: SPARK_HEAP, cores: 2, stateDir }, 300_000);
    spark = { port: 15302, stateDir, pid: status.pid, startMs: Date.now() - t };
  }
  try {
    for (const scale of scales) {
      const dir = path.join(values.data!, `${scale.name}-S${scale.snapshotKeys}-J${scale.journalRecords}`);
      console.error(`[bench] ${scale.name}: preparing S=${formatCount(scale.snapshotKeys)} J=${formatCount(scale.journalRecords)} in ${dir}`);
      prepared[scale.name] = await prepare(scale, dir);
      const lake = path.join(dir, 'lake');
      const v1 = path.join(lake, 'snapshot', 'versions', '00000001');
      const samples = new Map<Contender, Sample[]>(scale.contenders.map((c) => [c, []]));
      const failures = new Map<Contender, string>();
      const limit = scale.memoryLimit ? ['--memory-limit', scale.memoryLimit] : [];
      for (let rep = 0; rep < reps; rep++) {
        for (const contender of scale.contenders) {
          let m: Measured;
          if (contender === 'noop' || failures.has(contender)) continue;
          await resetToVersion1(lake);
          if ((contender === 'spark' || contender === 'spark-floor') && !spark!.warm) {
            // The server runs for days in use: its first runs (class loading, JIT) are not measured.
            for (let i = 0; i < warmUpRuns; i++) {
              await measure(process.execPath, [cli, 'run', '--lake', lake, '--json', '--engine', 'spark', '--spark-remote', `sc://127.0.0.1:${spark!.port}`]);
              await resetToVersion1(lake);
            }
            spark!.warm = true;
          }
          if (contender === 'duckdb') m = await measure(process.execPath, [cli, 'run', '--lake', lake, '--json', ...limit]);
          else if (contender === 'spark') m = await measure(process.execPath, [cli, 'run', '--lake', lake, '--json', '--engine', 'spark', '--spark-remote', `sc://127.0.0.1:${spark!.port}`], { alsoCount: spark!.pid ? [spark!.pid] : [] });
          else if (contender === 'spark-floor') {
            const out = path.join(dir, 'spark-floor-out');
            m = await measure(process.execPath, ['--import', 'tsx', path.join(root, 'bench', 'spark-floor.ts'), `sc://127.0.0.1:${spark!.port}`,
              v1, path.join(lake, 'journal', `date=${DAY2}`), DAY2, out], { alsoCount: spark!.pid ? [spark!.pid] : [] });
            await fs.rm(out, { recursive: true, force: true });
          } else if (contender === 'generator') {
            const genLake = path.join(dir, 'generator');
            await fs.rm(genLake, { recursive: true, force: true });
            m = await measure(process.execPath, [cli, ...journalDay(scale, genLake)]);
            await fs.rm(genLake, { recursive: true, force: true });
          } else if (contender === 'pyspark') {
            const out = path.join(dir, 'pyspark-out');
            m = await measure(path.join(root, '.venv', 'spark', 'bin', 'python'), [path.join(root, 'bench', 'pyspark_baseline.py'),
              '--snapshot', v1, '--journal', path.join(lake, 'journal', `date=${DAY2}`), '--date', DAY2, '--catalog', path.join(lake, 'catalog'), '--out', out, '--memory', SPARK_HEAP]);
            await fs.rm(out, { recursive: true, force: true });
          } else {
            const out = path.join(dir, 'floor.parquet');
            m = await measure(process.execPath, ['--import', 'tsx', path.join(root, 'bench', 'io-floor.ts'), v1, path.join(lake, 'journal', `date=${DAY2}`), DAY2, out, ...(scale.memoryLimit ? [scale.memoryLimit] : [])]);
            await fs.rm(out, { force: true });
          }
          if (m.code !== 0) {
            // A failure is a result too (e.g. out of memory under the limit): recorded, not retried.
            failures.set(contender, m.stderr.trim().split('\n')[0]!.slice(0, 300));
            console.error(`[bench] ${scale.name} ${contender} failed: ${failures.get(contender)}`);
            continue;
          }
          samples.get(contender)!.push({ ms: m.ms, peakRssMb: m.peakRssMb });
          console.error(`[bench] ${scale.name} ${contender} rep ${rep + 1}: ${(m.ms / 1000).toFixed(2)} s, ${m.peakRssMb.toFixed(0)} MB`);
          if (contender === 'duckdb' && scale.contenders.includes('noop')) {
            const noop = await measure(process.execPath, [cli, 'run', '--lake', lake, '--json', ...limit]);
            if (JSON.parse(noop.stdout).committed) throw new Error('the no-op run committed');
            samples.get('noop')!.push({ ms: noop.ms, peakRssMb: noop.peakRssMb });
          }
        }
      }
      for (const [contender, list] of samples) {
        const ms = list.map((s) => s.ms);
        const failed = failures.get(contender) ?? (contender === 'noop' && failures.has('duckdb') ? 'not run: the DuckDB run failed' : undefined);
        if (failed) {
          results.push({ scale: scale.name, snapshotKeys: scale.snapshotKeys, journalRecords: scale.journalRecords, contender, samples: list, median: NaN, min: NaN, max: NaN, peakRssMb: NaN, failed, measuredAt: new Date().toISOString() });
          continue;
        }
        results.push({
          scale: scale.name, snapshotKeys: scale.snapshotKeys, journalRecords: scale.journalRecords, contender, samples: list,
          median: median(ms), min: Math.min(...ms), max: Math.max(...ms), peakRssMb: Math.max(...list.map((s) => s.peakRssMb)),
          note: contender === 'spark-floor' ? 'RSS includes the server' : contender === 'spark' ? `server start ${(spark!.startMs / 1000).toFixed(1)} s and its first ${warmUpRuns} runs excluded; RSS includes the server` : undefined,
          measuredAt: new Date().toISOString(),
        });
      }
      await report(results, prepared);
    }
  } finally {
    if (spark) await stopServer({ port: spark.port, stateDir: spark.stateDir });
  }
}

interface Prepared { initialLoadMs: number; initialLoadPeakRssMb?: number; machine?: string }

/**
 * Whether two results come from one invocation of the bench (a scale's results are recorded together).
 * Ratios are given only between such results: this machine's speed varies from day to day.
 */
const measuredTogether = (a: Result, b: Result) =>
  a.machine === b.machine && a.measuredAt !== undefined && b.measuredAt !== undefined && Math.abs(Date.parse(a.measuredAt) - Date.parse(b.measuredAt)) < 60_000;

/** The targets of the benchmark, each with the measured value and whether it was met. */
function targetLines(results: Result[], mark: (r: Result) => string): string[] {
  const find = (scale: string, contender: Contender) => results.find((r) => r.scale === scale && r.contender === contender && !r.failed);
  const rows: [string, string, boolean | undefined][] = [];
  /** A ratio target between two results: judged only when they were measured together. */
  const ratioRow = (target: string, a: Result, b: Result, text: string, met: boolean | undefined) =>
    rows.push(measuredTogether(a, b) ? [target, `${text}${mark(a)}`, met] : [target, `${text} (measured apart: not judged)`, undefined]);
  const headline = (c: Contender) => find('headline', c);
  const [duck, pyspark] = [headline('duckdb'), headline('pyspark')];
  for (const r of results.filter((x) => x.contender === 'duckdb' && !x.failed && x.snapshotKeys >= 1_000_000)) {
    const f = find(r.scale, 'floor');
    if (f) ratioRow(`DuckDB run ≤ 1.5 × the all-columns floor (${r.scale})`, r, f, `${(r.median / f.median).toFixed(2)}×`, r.median <= 1.5 * f.median);
  }
  if (duck && pyspark) ratioRow('DuckDB run ≥ 10 × faster than the PySpark job (headline)', duck, pyspark, `${(pyspark.median / duck.median).toFixed(2)}×`, pyspark.median >= 10 * duck.median);
  const noops = results.filter((r) => r.contender === 'noop' && !r.failed);
  if (noops.length) {
    const slowest = noops.reduce((a, b) => (b.median > a.median ? b : a));
    rows.push(['no-op run < 1 s at every scale', `slowest median ${(slowest.median / 1000).toFixed(2)} s at ${slowest.scale}${mark(slowest)}`, slowest.median < 1000]);
  }
  const gb = (mib: number) => (mib * 2 ** 20) / 1e9;
  if (duck) rows.push(['DuckDB peak RSS ≤ 2 GB (headline)', `${gb(duck.peakRssMb).toFixed(2)} GB${mark(duck)}`, gb(duck.peakRssMb) <= 2]);
  const sparkEngine = headline('spark');
  if (sparkEngine && pyspark) {
    ratioRow(`Spark engine ≤ 0.5 × the PySpark job (headline, both ${SPARK_HEAP} heap)`, sparkEngine, pyspark, `${(sparkEngine.median / pyspark.median).toFixed(2)}×`, sparkEngine.median <= 0.5 * pyspark.median);
  }
  for (const r of results.filter((x) => x.contender === 'spark' && !x.failed)) {
    // No target: how far the Spark engine is from what Spark's reader and writer alone take.
    const f = find(r.scale, 'spark-floor');
    if (f) ratioRow(`Spark engine vs Spark's own all-columns floor (${r.scale})`, r, f, `${(r.median / f.median).toFixed(2)}×`, undefined);
  }
  if (sparkEngine) rows.push(['Spark server peak RSS ≤ 3 GB (headline)', `${gb(sparkEngine.peakRssMb).toFixed(2)} GB${mark(sparkEngine)}`, gb(sparkEngine.peakRssMb) <= 3]);
  const [smallSpark, smallPyspark] = [find('small', 'spark'), find('small', 'pyspark')];
  if (smallSpark && smallPyspark) {
    ratioRow('Spark engine at parity with the PySpark job (small)', smallSpark, smallPyspark, `${(smallSpark.median / smallPyspark.median).toFixed(2)}×`, smallSpark.median <= smallPyspark.median);
  }
  const daySpark = find('day100', 'spark');
  if (daySpark) rows.push(['a 100-record day on a warm Spark server < 5 s', `${(daySpark.median / 1000).toFixed(2)} s${mark(daySpark)}`, daySpark.median < 5000]);
  const largeScale = SCALES.large;
  if (largeScale && results.some((r) => r.scale === 'large')) {
    const large = find('large', 'duckdb');
    const failed = results.find((r) => r.scale === 'large' && r.contender === 'duckdb')?.failed;
    rows.push([`S=50M completes under --memory-limit ${largeScale.memoryLimit}`, large ? `${(large.median / 1000).toFixed(2)} s, peak RSS ${gb(large.peakRssMb).toFixed(2)} GB${mark(large)}` : `failed: ${failed ?? 'not run'}`, Boolean(large) && gb(large!.peakRssMb) <= (parseMemorySize(largeScale.memoryLimit!) ?? 0) / 1e9]);
  }
  // The floors have no target of their own: their times per record show how far fixed costs alone
  // (a process, an engine, a file) keep a run from scaling linearly at the smaller scales.
  const perRecord = [['duckdb', 'DuckDB'], ['floor', 'DuckDB all-columns floor'], ['spark', 'Spark engine'], ['spark-floor', "Spark's own all-columns floor"]] as const;
  for (const [contender, name] of perRecord) {
    const measured = results.filter((r) => r.contender === contender && !r.failed && r.snapshotKeys >= 1_000_000);
    const micros = measured.map((r) => (r.median * 1000) / (r.snapshotKeys + r.journalRecords));
    if (measured.length < 2) continue;
    const mid = median(micros);
    const within = micros.every((m) => Math.abs(m - mid) <= 0.2 * mid);
    // Times of different machines are not compared: shown, not judged.
    const oneMachine = new Set(measured.map((r) => r.machine)).size === 1;
    rows.push([`${name}: time per S + J record within ±20% from S=1M up`, measured.map((r, i) => `${r.scale} ${micros[i]!.toFixed(2)} µs${mark(r)}`).join(', '),
      contender.endsWith('floor') || !oneMachine ? undefined : within]);
  }
  const generator = find('headline', 'generator') ?? results.filter((r) => r.contender === 'generator' && !r.failed).at(-1);
  if (generator) {
    const perSec = generator.journalRecords / (generator.median / 1000);
    rows.push([`generator ≥ 1M records/s (${generator.scale})`, `${formatCount(perSec)}/s${mark(generator)}`, perSec >= 1e6]);
  }
  return ['| target | measured | met |', '| --- | --- | --- |',
    ...rows.map(([t, m, ok]) => `| ${t} | ${m} | ${ok === undefined ? 'see the values' : ok ? 'yes' : 'no'} |`)];
}

const SCALE_ORDER = Object.keys(SCALES);

/** This machine, as results name it. */
const thisMachine = () => `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown cpu'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GB RAM, Node ${process.version}`;

/**
 * Writes results.json, results.md and the chart: this run's results, plus those of the previous
 * results.json for scales and contenders not measured this time (each result says when it was
 * measured, and on which machine; one recorded before results named theirs is taken to be the
 * file's last machine). With --report-only, results.json is read, not written.
 */
async function report(fresh: Result[], freshPrepared: Record<string, unknown>): Promise<void> {
  await fs.mkdir(values.out!, { recursive: true });
  const file = path.join(values.out!, 'results.json');
  const previous = existsSync(file)
    ? (JSON.parse(await fs.readFile(file, 'utf8')) as { date?: string; machine?: string; results?: Result[]; prepared?: Record<string, unknown> })
    : {};
  const key = (r: Result) => `${r.scale}/${r.contender}`;
  const freshKeys = new Set(fresh.map(key));
  const machine = thisMachine();
  const kept = (previous.results ?? []).filter((r) => !freshKeys.has(key(r)) && r.contender in LABELS)
    .map((r) => ({ ...r, measuredAt: r.measuredAt ?? previous.date, machine: r.machine ?? previous.machine }));
  const results = [...kept, ...fresh.map((r) => ({ ...r, machine }))]
    .sort((a, b) => SCALE_ORDER.indexOf(a.scale) - SCALE_ORDER.indexOf(b.scale) || ALL.indexOf(a.contender) - ALL.indexOf(b.contender));
  const keptPrepared = Object.entries((previous.prepared ?? {}) as Record<string, Prepared>).map(([k, p]) => [k, { ...p, machine: p.machine ?? previous.machine }]);
  const freshlyPrepared = Object.entries(freshPrepared as Record<string, Prepared>).map(([k, p]) => [k, { ...p, machine }]);
  const prepared = Object.fromEntries([...keptPrepared, ...freshlyPrepared]) as Record<string, Prepared>;
  if (!values['report-only']) {
    const json = { date: new Date().toISOString(), machine, prepared, results };
    await fs.writeFile(file, `${JSON.stringify(json, null, 1)}\n`);
  }
  const named = (m: string | undefined) => m ?? 'unknown machine';
  const machines = [...new Set([...results.map((r) => named(r.machine)), ...Object.values(prepared).map((p) => named(p.machine))])];
  const letter = (m: string | undefined) => String.fromCharCode(65 + machines.indexOf(named(m)));
  const markOf = (m: string | undefined) => (machines.length > 1 ? ` (${letter(m)})` : '');
  const mark = (r: Result) => markOf(r.machine);
  const machineLines = machines.length > 1 ? machines.map((m) => `- (${letter(m)}) ${m}`) : [`- ${machines[0] ?? machine}`];
  const lines = [`# Benchmark results`, '', 'Wall time in seconds (median, min and max of each result\'s repetitions); machines, marked in the measured column:', '', ...machineLines, '',
    '| scale | S keys | J records | contender | median | min | max | peak RSS (MiB) | vs floor | measured |', '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |'];
  for (const r of results) {
    const floor = RUNS.includes(r.contender)
      ? results.find((x) => x.scale === r.scale && x.contender === 'floor' && !x.failed && measuredTogether(x, r))
      : undefined;
    const when = `${r.measuredAt?.slice(0, 16).replace('T', ' ') ?? ''}${mark(r)}`;
    if (r.failed) {
      lines.push(`| ${r.scale} | ${formatCount(r.snapshotKeys)} | ${formatCount(r.journalRecords)} | ${LABELS[r.contender]} | failed: ${r.failed.replace(/\|/g, '/')} | | | | | ${when} |`);
      continue;
    }
    lines.push(`| ${r.scale} | ${formatCount(r.snapshotKeys)} | ${formatCount(r.journalRecords)} | ${LABELS[r.contender]}${r.note ? ` (${r.note})` : ''} | ${(r.median / 1000).toFixed(2)} | ${(r.min / 1000).toFixed(2)} | ${(r.max / 1000).toFixed(2)} | ${r.peakRssMb.toFixed(0)} | ${floor ? `${(r.median / floor.median).toFixed(2)}×` : ''} | ${when} |`);
  }
  lines.push('', 'A ratio (vs floor, and in the targets) is given only between results of one invocation: a ' +
    'machine\'s speed varies from day to day (compare the floor and the no-op run across dates), and machines differ.');
  lines.push('', '| scale | initial load of S keys (set-up, s) | its peak RSS (MiB) |', '| --- | ---: | ---: |');
  for (const name of SCALE_ORDER.filter((n) => prepared[n])) {
    const p = prepared[name]!;
    lines.push(`| ${name}${markOf(p.machine)} | ${(p.initialLoadMs / 1000).toFixed(1)} | ${p.initialLoadPeakRssMb?.toFixed(0) ?? ''} |`);
  }
  lines.push('', ...targetLines(results, mark));
  await fs.writeFile(path.join(values.out!, 'results.md'), `${lines.join('\n')}\n`);
  // A line per contender and machine: times of two machines are not one curve.
  const series = [...new Set(results.filter((r) => RUNS.includes(r.contender)).map((r) => JSON.stringify([r.contender, named(r.machine)])))]
    .map((k) => JSON.parse(k) as [Contender, string]);
  const chart = lineChart('Daily run: median wall time against snapshot size', 'keys already in the snapshot (S)', 'seconds',
    series.map(([c, m]) => ({
      name: `${LABELS[c]}${markOf(m)}`,
      points: results.filter((r) => r.contender === c && named(r.machine) === m && !r.failed).map((r) => ({ x: r.snapshotKeys, y: r.median / 1000 })),
    })));
  await fs.writeFile(path.join(values.out!, 'time-vs-snapshot.svg'), chart);
  console.error(`[bench] results written to ${values.out}`);
}

if (values['report-only']) await report([], {});
else await main();

// Wall time and peak resident memory of a command's whole process tree (sampled from /proc).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

const PAGE = 4096;

interface TreeRss { bytes: number; parts: string[] }
interface Proc { parent: number; vsize: number }
const DETAIL = Boolean(process.env.SUBSNAP_BENCH_RSS_DETAIL);

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { parent: Number(fields[1]), vsize: Number(fields[20]) };
  } catch {
    return undefined; // the process ended meanwhile
  }
}

function exeOf(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return ''; // a kernel thread, not ours, or gone
  }
}

/**
 * A child that is still its parent's copy (forked or vforked, not yet exec'd: same address-space
 * size, same program): a JVM starting a helper command makes one for an instant. Its resident pages
 * are its parent's; counting them again would double the parent.
 */
function isUnexecCopy(pid: number, proc: Proc, parent: Proc | undefined): boolean {
  if (parent === undefined || proc.vsize !== parent.vsize) return false;
  const exe = exeOf(pid);
  return exe !== '' && exe === exeOf(proc.parent);
}

function treeRss(root: number, extra: number[]): TreeRss {
  const procs = new Map<number, Proc>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const proc = readProc(Number(name));
    if (proc) procs.set(Number(name), proc);
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid; p && p > 1; p = procs.get(p)?.parent) if (p === root || extra.includes(p)) return true;
    return false;
  };
  let bytes = 0;
  const parts: string[] = [];
  for (const [pid, proc] of procs) {
    if (!inTree(pid) || isUnexecCopy(pid, proc, procs.get(proc.parent))) continue;
    try {
      const resident = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE;
      bytes += resident;
      // SUBSNAP_BENCH_RSS_DETAIL=1: which processes made the peak.
      if (DETAIL) parts.push(`${pid} ${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()} ${(resident / 2 ** 20).toFixed(0)} MiB`);
    } catch {
      /* gone */
    }
  }
  return { bytes, parts };
}

export interface Measured {
  ms: number;
  peakRssMb: number;
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Runs a command; `alsoCount` adds other process trees (e.g. a server the command talks to). */
export function measure(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; alsoCount?: number[] } = {}): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let peak = 0;
    let peakParts: string[] = [];
    const sample = () => {
      if (!child.pid) return;
      const now = treeRss(child.pid, options.alsoCount ?? []);
      if (now.bytes > peak) [peak, peakParts] = [now.bytes, now.parts];
    };
    const timer = setInterval(sample, 100);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (DETAIL) console.error(`[bench] peak RSS of ${path.basename(args[0] ?? command)}…: ${peakParts.join(', ')}`);
      resolve({ ms, peakRssMb: peak / 2 ** 20, stdout, stderr, code });
    });
  });
}

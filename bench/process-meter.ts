// Wall time and peak resident memory of a command's whole process tree (sampled from /proc).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

const PAGE = 4096;

interface TreeRss { bytes: number; parts: string[] }
interface Proc { parent: number; vsize: number; exe: string }

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let exe = '';
    try {
      exe = readlinkSync(`/proc/${pid}/exe`);
    } catch {
      /* a kernel thread, or not ours */
    }
    return { parent: Number(fields[1]), vsize: Number(fields[20]), exe };
  } catch {
    return undefined; // the process ended meanwhile
  }
}

/**
 * A child that is still its parent's copy (forked or vforked, not yet exec'd: same program, same
 * address-space size): a JVM starting a helper command makes one for an instant. Its resident pages
 * are its parent's; counting them again would double the parent.
 */
const isUnexecCopy = (proc: Proc, parent: Proc | undefined) => parent !== undefined && proc.exe !== '' && proc.exe === parent.exe && proc.vsize === parent.vsize;

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
    if (!inTree(pid) || isUnexecCopy(proc, procs.get(proc.parent))) continue;
    try {
      const resident = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE;
      bytes += resident;
      parts.push(`${pid} ${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()} ${(resident / 2 ** 20).toFixed(0)} MiB`);
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
      // SUBSNAP_BENCH_RSS_DETAIL=1: which processes made the peak.
      if (process.env.SUBSNAP_BENCH_RSS_DETAIL) console.error(`[bench] peak RSS of ${path.basename(args[0] ?? command)}…: ${peakParts.join(', ')}`);
      resolve({ ms, peakRssMb: peak / 2 ** 20, stdout, stderr, code });
    });
  });
}

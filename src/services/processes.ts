/**
 * Local service processes (the Spark Connect server, the HDFS daemons): whether a pid lives, what it
 * runs, which process listens on a loopback port, whether a port is free, and ending a process group.
 * Linux's /proc answers the questions about other processes; elsewhere they answer "unknown".
 */
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A process's command line, or undefined where /proc does not tell (not Linux, or gone). */
export async function commandLine(pid: number): Promise<string | undefined> {
  const raw = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  return raw === undefined ? undefined : raw.replace(/\0+$/, '').split('\0').join(' ');
}

export const procAvailable = async () => (await fs.stat('/proc/self/fd').catch(() => undefined)) !== undefined;

/** Whether a /proc/net/tcp{,6} local address includes 127.0.0.1 (loopback or wildcard). */
function coversLoopback(hexAddress: string): boolean {
  const a = hexAddress.toUpperCase();
  if (a.length === 8) return a === '00000000' || a.endsWith('7F');
  if (/^0+$/.test(a)) return true;
  if (a === '00000000000000000000000001000000') return true; // ::1
  return a.startsWith('0000000000000000FFFF0000') && a.endsWith('7F'); // ::ffff:127.x.x.x
}

/** The socket inodes listening on PORT at an address that covers 127.0.0.1. */
async function listeningInodes(port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await fs.readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const [address, portHex] = (cols[1] ?? '').split(':');
      // Column 4 is the state; 0A is LISTEN. Column 10 is the socket's inode.
      if (cols[3] !== '0A' || !address || !portHex || Number.parseInt(portHex, 16) !== port) continue;
      if (coversLoopback(address) && cols[9] && cols[9] !== '0') inodes.add(cols[9]);
    }
  }
  return inodes;
}

/** The process listening on a loopback TCP port, as far as this system tells (Linux, own processes or root). */
export interface PortOwner {
  pid: number;
  command: string;
}

export async function portOwner(port: number): Promise<PortOwner | undefined> {
  const inodes = await listeningInodes(port);
  if (inodes.size === 0) return undefined;
  const wanted = new Set([...inodes].map((i) => `socket:[${i}]`));
  const pids = (await fs.readdir('/proc').catch(() => [] as string[])).filter((d) => /^\d+$/.test(d));
  for (const pid of pids) {
    const fdDir = `/proc/${pid}/fd`;
    const fds = await fs.readdir(fdDir).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await fs.readlink(path.join(fdDir, fd)).catch(() => undefined);
      if (target && wanted.has(target)) {
        return { pid: Number(pid), command: (await commandLine(Number(pid))) ?? '?' };
      }
    }
  }
  return undefined;
}

/** Whether 127.0.0.1:PORT can be bound now (the only sure test of "free"). */
export async function portFree(port: number): Promise<{ free: true } | { free: false; code: string }> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve({ free: false, code: error.code ?? String(error) }));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve({ free: true })));
  });
}

/** `pid N (command line)`, on one line and cut to a readable length. */
export function describeProcess(owner: PortOwner): string {
  const command = owner.command.replace(/\s+/g, ' ').trim();
  return `pid ${owner.pid} (${command.length > 120 ? `${command.slice(0, 117)}...` : command})`;
}

/** Sends a signal to a process started detached (its own process group), or to the process alone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/**
 * Stops a process started detached: SIGTERM to its group, then SIGKILL when it is still alive after
 * `graceMs` (a child of this process is reaped by Node as it ends, so it does not linger as a zombie).
 */
export async function stopProcessGroup(pid: number, graceMs: number): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  for (const deadline = Date.now() + graceMs; alive(pid) && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 250));
  if (alive(pid)) signalGroup(pid, 'SIGKILL');
}

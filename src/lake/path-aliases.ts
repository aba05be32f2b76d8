/**
 * Aliases for files whose paths an engine would read as glob patterns. DuckDB expands `*`, `?`,
 * `[...]` and `{...}` in every path it reads, and then treats `\` as a separator, so a file named
 * `p[1].jsonl` would be read as `p1.jsonl`. Such a file is read through a symbolic link with a plain
 * name in a private temporary folder; every other path is used as it is.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PATTERN_CHARACTERS = /[*?[\]{}\\]/;

export const isPlainPath = (p: string) => !PATTERN_CHARACTERS.test(p);

export class PathAliases {
  private dir: string | undefined;
  private readonly aliases = new Map<string, string>();

  async resolve(paths: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const p of paths) out.push(isPlainPath(p) ? p : await this.alias(path.resolve(p)));
    return out;
  }

  private async alias(target: string): Promise<string> {
    const known = this.aliases.get(target);
    if (known) return known;
    this.dir ??= await fs.mkdtemp(path.join(plainTemporaryRoot(), 'subsnap-paths-'));
    const link = path.join(this.dir, `${this.aliases.size}${path.extname(target).replace(PATTERN_CHARACTERS, '')}`);
    await fs.symlink(target, link);
    this.aliases.set(target, link);
    return link;
  }

  async close(): Promise<void> {
    if (this.dir) await fs.rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    this.aliases.clear();
  }
}

function plainTemporaryRoot(): string {
  for (const candidate of [os.tmpdir(), '/tmp']) if (isPlainPath(candidate)) return candidate;
  throw new Error(`the temporary folder ${os.tmpdir()} has a name with glob characters; set TMPDIR to a plain folder`);
}

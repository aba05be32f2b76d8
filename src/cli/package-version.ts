import { readFileSync } from 'node:fs';

/** The version in package.json, read at run time (dist/cli and src/cli are both two levels down). */
export function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

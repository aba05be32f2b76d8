/** A Spark Connect endpoint: `sc://HOST:PORT[/;token=...;user_id=...;use_ssl=true]`. */
export interface SparkRemote {
  host: string;
  port: number;
  token?: string;
  userId: string;
  useSsl: boolean;
  /** The URL without its token, for messages. */
  display: string;
}

export const DEFAULT_SPARK_REMOTE = 'sc://127.0.0.1:15002';

export class SparkRemoteError extends Error {}

export function parseSparkRemote(url: string): SparkRemote {
  const match = /^sc:\/\/([^:/;]+)(?::(\d+))?\/?(;.*)?$/.exec(url.trim());
  if (!match) throw new SparkRemoteError(`got spark remote '${url}', expected sc://HOST:PORT[/;token=...]`);
  const params = new Map<string, string>();
  for (const part of (match[3] ?? '').split(';').filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new SparkRemoteError(`spark remote parameter '${part}' has no value`);
    params.set(part.slice(0, eq), decodeURIComponent(part.slice(eq + 1)));
  }
  const port = Number(match[2] ?? 15002);
  const host = match[1]!;
  return {
    host,
    port,
    token: params.get('token'),
    userId: params.get('user_id') ?? 'subsnap',
    useSsl: params.get('use_ssl') === 'true',
    display: `sc://${host}:${port}`,
  };
}

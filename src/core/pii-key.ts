import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { Config } from './config.js';

export class PiiKeyError extends Error {}

/** The HMAC key for `pii: hash`, from the key file or the environment; its value is never printed. */
export async function loadPiiKey(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  if (config.piiKeyFile) {
    try {
      const key = (await fs.readFile(config.piiKeyFile)).toString('utf8').trim();
      if (key) return Buffer.from(key, 'utf8');
    } catch (error) {
      throw new PiiKeyError(`pii policy 'hash' needs a key: cannot read key file ${config.piiKeyFile} (${(error as NodeJS.ErrnoException).code})`);
    }
    throw new PiiKeyError(`pii policy 'hash' needs a key: key file ${config.piiKeyFile} is empty`);
  }
  const value = env[config.piiKeyEnv];
  if (!value) {
    throw new PiiKeyError(
      `pii policy 'hash' needs a key: set the environment variable ${config.piiKeyEnv} or piiKeyFile in the configuration`,
    );
  }
  return Buffer.from(value, 'utf8');
}

/** HMAC's inner and outer pads (RFC 2104), so that an engine can compute HMAC from plain SHA-256. */
export function hmacPads(key: Buffer): { inner: Buffer; outer: Buffer } {
  const block = Buffer.alloc(64);
  (key.length > 64 ? createHash('sha256').update(key).digest() : key).copy(block);
  return { inner: block.map((b) => b ^ 0x36) as Buffer, outer: block.map((b) => b ^ 0x5c) as Buffer };
}

/** A non-secret identifier of the key, recorded in the commit log to detect a key change. */
export function piiKeyId(key: Buffer): string {
  return createHash('sha256').update('subsnap-pii-key-id').update(key).digest('hex').slice(0, 16);
}

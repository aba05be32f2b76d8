import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMemorySize } from '../../src/core/memory-size.js';

describe('parseMemorySize', () => {
  it('reads decimal and binary units, and nothing else', () => {
    assert.equal(parseMemorySize('2GB'), 2e9);
    assert.equal(parseMemorySize('1.5 GiB'), 1.5 * 2 ** 30);
    assert.equal(parseMemorySize('800mb'), 8e8);
    assert.equal(parseMemorySize('512MiB'), 512 * 2 ** 20);
    for (const bad of ['2', 'GB', '2 GBs', '-1GB', '2XB', '']) assert.equal(parseMemorySize(bad), undefined, bad);
  });
});

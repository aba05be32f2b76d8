// The test broker's cluster id: Kafka's storage tool reads an argument starting with "-" as an option.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kafkaClusterId } from '../support/kafka-broker.js';

describe('the test broker cluster id', () => {
  it('is a URL-safe base64 UUID that never starts with "-" (one random id in 64 would)', () => {
    const ids = Array.from({ length: 20_000 }, kafkaClusterId);
    for (const id of ids) assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    assert.equal(new Set(ids).size, ids.length);
  });
});

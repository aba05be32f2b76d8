// The archive's state file (journal/_archive/TOPIC.json): parsed by its schema, a newer protocol
// refused, a damaged file named with its problem, by the parser and by the CLI (which reads the
// state before it connects to Kafka: no broker needed here).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ArchiveStateError, formatArchiveState, parseArchiveState, type ArchiveState } from '../../src/kafka/archive-state.js';
import { subsnap } from '../support/cli.js';
import { removeLake, tempLake } from '../support/lake-fixture.js';

const FILE = '/lake/journal/_archive/subs.json';
const valid: ArchiveState = {
  protocol: 1,
  topic: 'subs',
  next: { '0': '400', '2': '9223372036854775807' },
  gaps: [{ partition: 1, first: '10', last: '14', recordedAt: '2024-05-01T00:00:00.000Z' }],
};

function problem(state: unknown): string {
  const text = typeof state === 'string' ? state : JSON.stringify(state);
  try {
    parseArchiveState(text, FILE, 'subs');
  } catch (error) {
    assert.ok(error instanceof ArchiveStateError, String(error));
    return error.message;
  }
  assert.fail(`accepted: ${text}`);
}

describe('archive state', () => {
  it('what the archive writes parses back', () => {
    assert.deepEqual(parseArchiveState(formatArchiveState(valid), FILE, 'subs'), valid);
  });

  it('a newer protocol is refused, whatever else the file holds', () => {
    for (const newer of [{ ...valid, protocol: 2 }, { protocol: 3, topic: 'subs', partitions: [] }]) {
      const message = problem(newer);
      assert.match(message, /written by a newer subsnap/);
      assert.ok(message.includes(FILE), message);
    }
  });

  it('a damaged file is named with its problem', () => {
    const cases: [unknown, RegExp][] = [
      ['{"protocol": 1, "topic": "subs", "next": {', /is damaged: not valid JSON/],
      ['', /is damaged: not valid JSON/],
      [[], /is damaged: \(top level\)/],
      [{ ...valid, protocol: 0 }, /protocol/],
      [{ topic: 'subs', next: {}, gaps: [] }, /protocol/],
      [{ ...valid, next: { '0': 400 } }, /next\.0/],
      [{ ...valid, next: { '0': '-1' } }, /next\.0: expected an offset/],
      [{ ...valid, next: { '0': '9223372036854775808' } }, /next\.0: offset beyond the 64-bit range/],
      [{ ...valid, next: { first: '1' } }, /next\.first: expected a partition number/],
      [{ ...valid, gaps: [{ ...valid.gaps[0], first: '15' }] }, /gaps\.0: a gap must have first <= last/],
      [{ ...valid, gaps: undefined }, /gaps/],
      [{ ...valid, extra: true }, /extra/],
      [{ ...valid, topic: 'other' }, /holds the state of topic "other", not of subs/],
    ];
    for (const [state, expected] of cases) {
      const message = problem(state);
      assert.match(message, expected);
      assert.ok(message.startsWith(`archive state ${FILE} is damaged: `), message);
      assert.match(message, /rebuild it/, 'the message says what to do');
    }
  });

  it('subsnap archive stops on a newer or damaged state, names the file and leaves it as it was', async () => {
    const lake = await tempLake();
    try {
      const dir = path.join(lake, 'journal', '_archive');
      const file = path.join(dir, 'subs.json');
      await fs.mkdir(dir, { recursive: true });
      // Port 9 (discard): the state is read before any connection to Kafka.
      const archive = () => subsnap(['archive', '--lake', lake, '--brokers', '127.0.0.1:9', '--topic', 'subs', '--until-idle', '1']);
      for (const [text, expected] of [
        [`${JSON.stringify({ ...valid, protocol: 2 })}\n`, /written by a newer subsnap/],
        ['{"protocol":1,"topic":"subs","next":{"0":"4', /is damaged: not valid JSON/],
        [`${JSON.stringify({ ...valid, next: { '0': 'x' } })}\n`, /is damaged: next\.0: expected an offset/],
      ] as const) {
        await fs.writeFile(file, text);
        const result = await archive();
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, expected);
        assert.ok(result.stderr.startsWith(`subsnap: archive state ${file} `), result.stderr);
        assert.equal(await fs.readFile(file, 'utf8'), text, 'the state is left for the user to look at');
        // The topic's lock was released: the same answer again, not "another archiver".
        assert.match((await archive()).stderr, expected);
      }
    } finally {
      await removeLake(lake);
    }
  });
});

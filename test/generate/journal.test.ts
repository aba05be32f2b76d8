import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DIRTY_KINDS,
  FIELD_ORDER,
  generateDayLines,
  journalDays,
  journalFilePath,
  writeJournal,
} from '../../src/generate/journal.js';
import type { JournalOptionsInput } from '../../src/generate/journal.js';
import { MONTHLY_PRICE_CENTS, SUBSCRIPTION_NAMES, TERM_MONTHS, termPriceCents } from '../../src/generate/plans.js';
import { classifyDirty } from './classify.js';
import { contractProblems } from './contract.js';

type Rec = Record<string, unknown>;

const BASE: JournalOptionsInput = { seed: 2023, start: '2022-11-01', days: 3 };

let root = '';
let counter = 0;
const freshDir = (): string => join(root, `lake-${counter++}`);

/** Lines of every file of a day, in file order. */
async function readDay(lake: string, date: string): Promise<string[]> {
  const dir = join(lake, 'journal', `date=${date}`);
  const names = (await readdir(dir)).sort();
  const texts = await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')));
  return texts.flatMap((t) => {
    assert.ok(t.endsWith('\n'), 'files end with a newline');
    return t.slice(0, -1).split('\n');
  });
}

async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const full = join(entry.parentPath ?? entry.path, entry.name);
      out.set(relative(dir, full), await readFile(full));
    }
  }
  return out;
}

const idsOf = (lines: string[]): number[] => lines.map((l) => (JSON.parse(l) as Rec).Id as number);

describe('journal generator', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'subsnap-journal-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes the brief: ~100 records a day for 3 days, Ids in 1..250, date=YYYY-MM-DD/part-00000.jsonl', async () => {
    const lake = freshDir();
    const result = await writeJournal(lake, BASE);
    const days = ['2022-11-01', '2022-11-02', '2022-11-03'];
    assert.deepEqual(journalDays(BASE), days);
    assert.deepEqual(result.files, days.map((d) => journalFilePath(lake, d, 0)));
    assert.ok(result.files[0]?.endsWith(join('journal', 'date=2022-11-01', 'part-00000.jsonl')));
    assert.equal(result.records, 300);
    for (const d of days) {
      const lines = await readDay(lake, d);
      assert.equal(lines.length, 100);
      for (const id of idsOf(lines)) assert.ok(Number.isInteger(id) && id >= 1 && id <= 250, `Id ${id}`);
    }
    assert.deepEqual([...(await readTree(lake)).keys()].sort(), result.files.map((f) => relative(lake, f)).sort());
  });

  it('writes keys in schema order, every clean line valid per the contract', async () => {
    const options = { ...BASE, days: 4, recordsPerDay: 500, nullRate: 0.2, unknownSubscriptionRate: 0.1 };
    let nulls = 0;
    for (const date of journalDays(options)) {
      for (const line of generateDayLines(options, date)) {
        assert.deepEqual(contractProblems(line), [], line);
        const keys = Object.keys(JSON.parse(line) as Rec);
        assert.deepEqual(keys, FIELD_ORDER.filter((k) => keys.includes(k)), line);
        assert.equal(keys[0], 'Id');
        if (keys.length < FIELD_ORDER.length || line.includes('null')) nulls++;
      }
    }
    assert.ok(nulls > 200 && nulls < 600, `records with null or missing fields: ${nulls}`);
  });

  it('is byte-for-byte deterministic, and --day D equals day D of a full run', async () => {
    const options = { ...BASE, days: 5, recordsPerDay: 300, dirtyRate: 0.1, filesPerDay: 2 };
    const [a, b, single, other] = [freshDir(), freshDir(), freshDir(), freshDir()];
    await writeJournal(a, options);
    await writeJournal(b, options);
    const full = await readTree(a);
    assert.deepEqual(await readTree(b), full);

    const day = '2022-11-04';
    const only = await writeJournal(single, options, day);
    assert.equal(only.files.length, 2);
    const one = await readTree(single);
    assert.equal(one.size, 2);
    for (const [path, bytes] of one) assert.deepEqual(bytes, full.get(path), path);

    // The day does not depend on where the run started or how long it is.
    await writeJournal(other, { ...options, start: day, days: 1 });
    assert.deepEqual(await readTree(other), one);

    const reseeded = freshDir();
    await writeJournal(reseeded, { ...options, seed: 2024 }, day);
    assert.notDeepEqual(await readTree(reseeded), one);
  });

  it('splits a day across filesPerDay files in order, each starting with a clean record', async () => {
    const options = { ...BASE, days: 1, recordsPerDay: 1000, dirtyRate: 0.5 };
    const [one, many] = [freshDir(), freshDir()];
    await writeJournal(one, { ...options, dirtyRate: 0 });
    const result = await writeJournal(many, { ...options, dirtyRate: 0, filesPerDay: 3 });
    assert.deepEqual(
      result.files.map((f) => f.slice(-16)),
      ['part-00000.jsonl', 'part-00001.jsonl', 'part-00002.jsonl'],
    );
    assert.deepEqual(await readDay(many, '2022-11-01'), await readDay(one, '2022-11-01'));

    const dirty = freshDir();
    const r = await writeJournal(dirty, { ...options, filesPerDay: 7 });
    for (const file of r.files) {
      const first = (await readFile(file, 'utf8')).split('\n')[0] as string;
      assert.deepEqual(contractProblems(first), [], `${file} starts with ${first}`);
    }
    const few = await writeJournal(freshDir(), { ...options, recordsPerDay: 2, filesPerDay: 5 });
    assert.equal(few.files.length, 2, 'never an empty file');
  });

  it('has same-day duplicates, both exact replays and conflicting versions', () => {
    const options = { ...BASE, recordsPerDay: 2000, idMax: 1_000_000_000, duplicateRate: 0.05 };
    let exact = 0;
    let conflicting = 0;
    for (const date of journalDays(options)) {
      const byId = new Map<number, string[]>();
      for (const line of generateDayLines(options, date)) {
        const id = (JSON.parse(line) as Rec).Id as number;
        byId.set(id, [...(byId.get(id) ?? []), line]);
      }
      for (const lines of byId.values()) {
        if (lines.length < 2) continue;
        if (new Set(lines).size < lines.length) exact++;
        if (new Set(lines).size > 1) conflicting++;
      }
    }
    assert.ok(exact >= 50 && conflicting >= 50, `exact ${exact}, conflicting ${conflicting}`);
    const none = { ...options, duplicateRate: 0 };
    const ids = idsOf([...generateDayLines(none, '2022-11-01')]);
    assert.ok(ids.length - new Set(ids).size <= 2, 'without duplicateRate only chance collisions remain');
  });

  it('recurs Ids across days with a stable name and realistic updates', () => {
    const options = { ...BASE, days: 3, nullRate: 0 };
    const days = journalDays(options).map((d) => [...generateDayLines(options, d)].map((l) => JSON.parse(l) as Rec));
    const [d1, d2] = days as [Rec[], Rec[]];
    const shared = d1.filter((r) => d2.some((s) => s.Id === r.Id));
    assert.ok(shared.length >= 10, `${shared.length} Ids recur`);
    const names = new Map<unknown, string>();
    let changed = 0;
    for (const day of days) {
      for (const r of day) {
        const name = `${r.customer_first_name} ${r.customer_last_name}`;
        assert.equal(names.get(r.Id) ?? name, name, `Id ${r.Id} keeps its name`);
        names.set(r.Id, name);
      }
    }
    for (const r of shared) {
      const later = d2.find((s) => s.Id === r.Id) as Rec;
      if (later.subscription !== r.subscription || later.cost !== r.cost || later.active !== r.active) changed++;
    }
    assert.ok(changed > 0 && changed < shared.length, `${changed} of ${shared.length} recurring Ids changed`);
  });

  it('prices by subscription and term, with dates around the journal day', () => {
    const options = { ...BASE, days: 2, recordsPerDay: 3000, nullRate: 0, idMax: 100000 };
    const subs = new Set<string>();
    for (const date of journalDays(options)) {
      for (const line of generateDayLines(options, date)) {
        const r = JSON.parse(line) as Rec;
        const [start, end] = [r.start_date as string, r.end_date as string];
        assert.ok(start <= date && start > `${Number(date.slice(0, 4)) - 1}${date.slice(4)}`, line);
        const months =
          Number(end.slice(0, 4)) * 12 + Number(end.slice(5, 7)) - (Number(start.slice(0, 4)) * 12 + Number(start.slice(5, 7)));
        const term = TERM_MONTHS.indexOf(months);
        assert.ok(term >= 0, `term of ${months} months: ${line}`);
        const sub = SUBSCRIPTION_NAMES.indexOf(r.subscription as (typeof SUBSCRIPTION_NAMES)[number]);
        assert.ok(sub >= 0, line);
        subs.add(r.subscription as string);
        const list = termPriceCents(MONTHLY_PRICE_CENTS[sub] as number, term);
        const cents = Math.round((r.cost as number) * 100);
        assert.ok(cents >= Math.floor(list * 0.9) && cents <= Math.ceil(list * 1.1), `${cents} vs ${list}: ${line}`);
      }
    }
    assert.equal(subs.size, 10);
  });

  it('puts subscriptions outside the catalog at unknownSubscriptionRate', () => {
    const lines = [...generateDayLines({ ...BASE, recordsPerDay: 2000, nullRate: 0, unknownSubscriptionRate: 0.1 }, '2022-11-01')];
    const unknown = lines.filter((l) => !SUBSCRIPTION_NAMES.some((s) => l.includes(`"subscription":"${s}"`)));
    assert.ok(unknown.length > 100 && unknown.length < 300, `${unknown.length} unknown`);
  });

  it('at dirtyRate=0.2 has every dirty kind, each line broken exactly once, the rest valid', async () => {
    const options = { ...BASE, days: 3, dirtyRate: 0.2 };
    const lake = freshDir();
    await writeJournal(lake, options);
    const kinds = new Set<string>();
    let dirty = 0;
    let total = 0;
    for (const date of journalDays(options)) {
      for (const line of await readDay(lake, date)) {
        total++;
        const problems = contractProblems(line);
        if (problems.length === 0) continue;
        dirty++;
        assert.equal(problems.length, 1, `${line}: ${problems.join('; ')}`);
        const kind = classifyDirty(line);
        assert.ok(kind, `unclassified dirty line ${line}`);
        kinds.add(kind);
      }
    }
    assert.deepEqual([...kinds].sort(), [...DIRTY_KINDS].sort());
    assert.ok(dirty > total * 0.12 && dirty < total * 0.28, `${dirty} dirty of ${total}`);
  });

  const invalid: Array<[string, Partial<JournalOptionsInput>]> = [
    ['bad start', { start: '2023-02-30' }],
    ['zero days', { days: 0 }],
    ['zero records', { recordsPerDay: 0 }],
    ['idMin > idMax', { idMin: 10, idMax: 5 }],
    ['rate above 1', { dirtyRate: 1.5 }],
    ['negative rate', { duplicateRate: -0.1 }],
    ['fractional files', { filesPerDay: 1.5 }],
    ['unsafe seed', { seed: 2 ** 60 }],
  ];
  for (const [name, patch] of invalid) {
    it(`rejects ${name}`, async () => {
      await assert.rejects(writeJournal(freshDir(), { ...BASE, ...patch }), RangeError);
    });
  }

  it('rejects an impossible onlyDay and treats undefined options as defaults', async () => {
    await assert.rejects(writeJournal(freshDir(), BASE, '2023-13-01'), RangeError);
    const lines = [...generateDayLines({ ...BASE, recordsPerDay: undefined, idMax: undefined }, '2022-11-01')];
    assert.deepEqual(lines, [...generateDayLines(BASE, '2022-11-01')]);
  });
});

// Reading Spark's physical plans (EXPLAIN, simple mode) as trees, for tests that pin the plan shape.
import type { Engine } from '../../src/engines/engine.js';

export interface PlanNode {
  /** The node's text without its tree prefix and codegen stage marker, e.g. `FileScan parquet [...] ... ReadSchema: struct<...>`. */
  text: string;
  children: PlanNode[];
  /** Whether the node is inside a cached relation's plan (below an InMemoryRelation): computed when that relation was built, not by this statement. */
  cached: boolean;
}

/**
 * The tree of a physical plan as EXPLAIN prints it. A cached relation prints its own plan below its
 * InMemoryRelation, and once materialized that plan is a multi-line text whose lines do not follow the
 * outer tree's indentation: those lines are kept out of the tree (a line continues the outer tree only
 * if it has the branch marks of the outer tree's open branches), and the nodes below an
 * InMemoryRelation are marked `cached`.
 */
export function parsePlan(explained: string): PlanNode {
  const lines = explained.split('\n');
  const start = lines.findIndex((l) => l.startsWith('== Physical Plan =='));
  const body = lines.slice(start + 1);
  const rootText = body[0]!.trim();
  const root: PlanNode = { text: rootText, children: [], cached: false };
  // Stack of [marker column, node]: a line whose marker sits at column c is a child of the nearest node above it printed at column < c.
  const stack: { column: number; node: PlanNode; open: Set<number> }[] = [{ column: -3, node: root, open: new Set() }];
  let skippingBelow: number | undefined;
  for (const line of body.slice(1)) {
    if (line.trim() === '' || line.startsWith('==')) break;
    const marker = /^([ :|]*)(\+- |:- )(.*)$/.exec(line);
    if (!marker) continue;
    const column = marker[1]!.length;
    const prefix = marker[1]!;
    let depth = stack.length;
    while (depth > 1 && stack[depth - 1]!.column >= column) depth--;
    const parent = stack[depth - 1]!;
    // The outer tree's branches still open at this depth must show their ':' marks, and no other column
    // may (but the parent's own child column, marked while its subqueries are printed before its children).
    const consistent = [...parent.open].every((c) => c < column && prefix[c] === ':')
      && [...prefix].every((ch, i) => ch === ' ' || (ch === ':' && (parent.open.has(i) || i === parent.column + 3)));
    if (skippingBelow !== undefined) {
      if (column > skippingBelow || !consistent) continue;
      skippingBelow = undefined;
    }
    if (!consistent) continue;
    const text = marker[3]!.replace(/^\*\(\d+\) /, '').trim();
    const node: PlanNode = { text, children: [], cached: false };
    parent.node.children.push(node);
    stack.length = depth;
    const open = new Set(parent.open);
    if (prefix[parent.column + 3] === ':') open.add(parent.column + 3);
    if (marker[2] === ':- ') open.add(column);
    else open.delete(column);
    stack.push({ column, node, open });
    if (text.startsWith('InMemoryRelation')) skippingBelow = column;
  }
  return root;
}

/** Every node of the tree that is not inside a cached relation's plan, each with the nodes above it. */
export function ownNodes(root: PlanNode): { node: PlanNode; ancestors: PlanNode[] }[] {
  const found: { node: PlanNode; ancestors: PlanNode[] }[] = [];
  const walk = (node: PlanNode, ancestors: PlanNode[]) => {
    found.push({ node, ancestors });
    if (node.text.startsWith('InMemoryRelation')) return;
    for (const child of node.children) walk(child, [...ancestors, node]);
  };
  walk(root, []);
  return found;
}

export interface RecordedPlan {
  /** `write DIR-NAME`, `query`. */
  kind: string;
  sql: string;
  plan: string;
}

const WRITE = /^INSERT OVERWRITE DIRECTORY '((?:\\.|[^'\\])*)' USING parquet OPTIONS \(compression '\w+'\) /s;

/** The name of the staged relation a statement writes (`journal-lines`, `checked`…), if it writes one. */
export function writtenRelation(sql: string): string | undefined {
  return WRITE.exec(sql)?.[1]!.split('/').at(-1);
}

/**
 * An engine whose statement staging the journal's lines reads the journal files in splits of
 * `splitBytes` (Spark's `maxPartitionBytes`, an open cost of one byte); every other statement runs with the
 * session's own settings, so that only the line reader is put under the tiny splits. `splits` hears
 * how many (file, split) pieces held lines: the proof that the files were read split.
 */
export function journalReadInSplits(engine: Engine, splitBytes: number, splits: (count: number) => void): Engine {
  const settings = ['spark.sql.files.maxPartitionBytes', 'spark.sql.files.openCostInBytes'];
  return {
    ...engine,
    async run(sql) {
      if (/^CREATE OR REPLACE TEMP VIEW journal_splits /.test(sql)) {
        await engine.run(sql);
        splits(Number((await engine.query('SELECT COUNT(*) AS n FROM journal_splits'))[0]!.n));
        return;
      }
      if (writtenRelation(sql) !== 'journal-lines') return engine.run(sql);
      await engine.run(`SET ${settings[0]}=${splitBytes}`);
      // Not 0: Spark's split size is min(maxPartitionBytes, max(openCost, total bytes / cores)), and a
      // journal of fewer bytes than cores would give splits of 0 bytes ("step cannot be 0").
      await engine.run(`SET ${settings[1]}=1`);
      try {
        return await engine.run(sql);
      } finally {
        for (const setting of settings) await engine.run(`RESET ${setting}`);
      }
    },
  };
}

/**
 * An engine that asks Spark for the plan of each Parquet write (the fold's staged relations included)
 * and each query, just before running it, and hands them to `record`.
 */
export function recordingPlans(engine: Engine, record: (plan: RecordedPlan) => void): Engine {
  let longPaths: Promise<void> | undefined;
  const explain = async (select: string) => {
    // Scans print their paths cut to 100 characters by default.
    await (longPaths ??= engine.run('SET spark.sql.maxMetadataStringLength=100000'));
    return String(Object.values((await engine.query(`EXPLAIN ${select}`))[0] ?? {})[0]);
  };
  return {
    ...engine,
    async run(sql) {
      const write = WRITE.exec(sql);
      if (write) record({ kind: `write ${writtenRelation(sql)}`, sql, plan: await explain(sql.slice(write[0].length)) });
      return engine.run(sql);
    },
    async query(sql) {
      if (/^\s*SELECT/i.test(sql)) record({ kind: 'query', sql, plan: await explain(sql) });
      return engine.query(sql);
    },
  };
}

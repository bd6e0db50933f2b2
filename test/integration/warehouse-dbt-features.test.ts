import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createTransformActivities, type NodeRunResult } from '../../activities/transform';
import type { Row, Warehouse } from '../../activities/warehouse';
import { topologicalOrder } from '../../lib/graph';
import { describeEngines } from '../helpers/engines';
import { tmpDir } from '../helpers/tmp';

/** A project using hooks, unit tests, a contract and a seed with blank lines, a BOM, CRLF and a quoted newline. */
const FILES: Record<string, string> = {
  'dbt_project.yml': [
    'name: p',
    'on-run-start:',
    '  - "create schema if not exists ops"',
    '  - "create table if not exists ops.runs (phase varchar, what varchar)"',
    `on-run-end: "insert into ops.runs select 'end', '{% for r in results %}{{ r.node.name }}={{ r.status }};{% endfor %}'"`,
    'models:',
    '  p:',
    '    +pre-hook: "create table if not exists ops.log (who varchar, what varchar, n integer)"',
    "    +post-hook: \"insert into ops.log select 'project', '{{ this.name }}', (select count(*) from {{ this }})\"",
    '',
  ].join('\n'),
  'seeds/notes.csv': '\uFEFFid,note,amount\r\n1,"two\r\nlines",1.5\r\n\r\n2,"a, ""b""",2\r\n3,,\r\n',
  'models/totals.sql':
    "{{ config(materialized='table', post_hook=\"insert into ops.log select 'config', '{{ this.name }}', 0\") }}\nselect count(*) as notes, sum(amount) as amount from {{ ref('notes') }}",
  'models/unit.yml': `models:
  - name: totals
    config:
      contract: {enforced: true}
    columns:
      - {name: notes, data_type: bigint}
      - {name: amount, data_type: double}
unit_tests:
  - name: sums
    model: totals
    given:
      - input: ref('notes')
        rows: [{id: 1, amount: 1.25}, {id: 2, amount: 2}]
    expect:
      rows: [{notes: 2, amount: 3.25}]
`,
};

/** Rows with lower-case keys (Snowflake answers upper-case names). */
const lower = (rows: Row[]) =>
  rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v])));

/** The transform workflow's steps, in order, on one warehouse: on-run-start, nodes, on-run-end. */
async function build(w: Warehouse, projectDir: string, type: string, invocationId: string) {
  // Not `main`: the local Snowflake server keeps schema MAIN as DuckDB's own, which its information_schema
  // names in lower case, so describing a table there finds nothing (real Snowflake has no such schema).
  const acts = createTransformActivities({ warehouse: w, projectDir, target: { type, schema: 'analytics' } });
  const plan = await acts.planTransform({ command: 'build' });
  const base = { manifestFile: plan.manifestFile, checksum: plan.checksum, invocationId, runStartedAt: '2026-01-07' };
  const nodeIds = plan.nodes.map((n) => n.id);
  await acts.runProjectHooks({ ...base, kind: 'on-run-start', nodeIds });
  const results: Record<string, NodeRunResult> = {};
  for (const nodeId of topologicalOrder({ nodes: nodeIds, edges: plan.edges })) {
    results[nodeId] = await acts.runNode({ ...base, nodeId });
  }
  await acts.runProjectHooks({
    ...base,
    kind: 'on-run-end',
    nodeIds,
    results: Object.values(results).map((r) => ({ id: r.id, status: r.status })),
  });
  return results;
}

/**
 * dbt hooks, unit tests, contracts and seeds on every engine (the local Snowflake-protocol server included): what
 * the DuckDB unit tests check, through each engine's own SQL, quoting and CSV reader.
 */
describeEngines('dbt hooks, unit tests, contracts and seeds on %s', (engine) => {
  it('runs hooks once per invocation, unit tests before their model, contracts, and seeds as written', async () => {
    const dir = tmpDir('edp-dbt-features-');
    for (const [path, text] of Object.entries(FILES)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const w = await engine.open('dbt-features');
    try {
      const first = await build(w, dir, engine.engine, 'run-1');
      expect(Object.values(first).map((r) => `${r.type} ${r.name} ${r.status} ${r.rows ?? ''}`)).toEqual([
        'seed notes success 3',
        'unit_test totals::sums success 0',
        'model totals success 1',
      ]);
      expect(lower(await w.query('select id, note from analytics.notes order by id'))).toEqual([
        { id: 1, note: 'two\r\nlines' },
        { id: 2, note: 'a, "b"' },
        { id: 3, note: null },
      ]);
      await build(w, dir, engine.engine, 'run-1'); // the same invocation again, as retried activities run it
      const log = lower(await w.query('select who, what, n from ops.log order by who'));
      expect(log.map((r) => `${String(r.who)} ${String(r.what)} ${Number(r.n)}`)).toEqual([
        'config totals 0',
        'project totals 1',
      ]);
      const runs = lower(await w.query('select phase, what from ops.runs'));
      expect(runs).toEqual([{ phase: 'end', what: 'notes=success;sums=pass;totals=success;' }]);
    } finally {
      await w.close();
    }
  }, 300_000);
});

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { rng } from '../../cli/sample-data';
import {
  acceptedValuesTest,
  incrementalSql,
  intermediateSql,
  keyTests,
  martSql,
  relationshipsTest,
  stagingSql,
  type ColumnTests,
  type IntKind,
  type MartKind,
} from './model-sql';
import { projectDir } from './paths';
import { seedCsvs } from './source-data';

/** A model's materialization. */
export type Materialized = 'view' | 'table' | 'incremental' | 'ephemeral';
/** A model's folder in the project. */
export type Layer = 'staging' | 'intermediate' | 'marts';
const LAYER_DEFAULT: Record<Layer, Materialized> = { staging: 'view', intermediate: 'table', marts: 'table' };

/** One generated model. */
export interface ModelSpec {
  name: string;
  layer: Layer;
  materialized: Materialized;
  sql: string;
  /** Columns with their tests, for the properties file (none for ephemerals: they have no relation). */
  columns: ColumnTests[];
  /** Base-relation scans when inlined (views, ephemerals): bounded so nested views stay cheap to bind. */
  cost: number;
}

/** The generated project as specs (deterministic for a model count). */
export function generateModels(total: number): ModelSpec[] {
  const r = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const nStaging = Math.round(total * 0.2);
  const nMarts = Math.round(total * 0.3);
  const nIntermediate = total - nStaging - nMarts;
  const models: ModelSpec[] = [];
  const byName = new Map<string, ModelSpec>();
  const add = (m: ModelSpec) => {
    models.push(m);
    byName.set(m.name, m);
  };
  const pad = (i: number) => String(i).padStart(3, '0');

  for (let k = 0; k < nStaging; k++) {
    const materialized: Materialized = k % 3 === 2 ? 'table' : 'view';
    const columns = [keyTests('id')];
    if (k % 4 === 1) columns.push(relationshipsTest('customer_id'));
    add({ name: `stg_${pad(k)}`, layer: 'staging', materialized, sql: stagingSql(k), columns, cost: 1 });
  }

  /** Distinct parents among earlier staging/intermediate models, half the time from the most recent ones. */
  const chooseParents = (n: number, pool: ModelSpec[]): ModelSpec[] => {
    const out: ModelSpec[] = [];
    while (out.length < n) {
      const from = r() < 0.5 ? pool.slice(-12) : pool;
      const p = pick(from);
      if (!out.includes(p)) out.push(p);
    }
    return out;
  };
  const inlineCost = (ps: ModelSpec[]) =>
    ps.reduce((s, p) => s + (p.materialized === 'view' || p.materialized === 'ephemeral' ? p.cost : 1), 0);

  for (let k = 0; k < nIntermediate; k++) {
    const pool = models.filter((m) => m.layer !== 'marts');
    const x = r();
    const kind: IntKind = x < 0.3 ? 'filter' : x < 0.55 ? 'join' : x < 0.7 ? 'union' : x < 0.85 ? 'agg' : 'window';
    const n = kind === 'join' ? 2 : kind === 'union' ? 2 + Math.floor(r() * 2) : 1;
    const parents = chooseParents(n, pool);
    const y = r();
    let materialized: Materialized = y < 0.1 ? 'ephemeral' : y < 0.2 ? 'incremental' : y < 0.5 ? 'view' : 'table';
    const cost = inlineCost(parents);
    if ((materialized === 'view' || materialized === 'ephemeral') && cost > 6) materialized = 'table';
    const inner = intermediateSql(
      kind,
      parents.map((p) => p.name),
      k,
    );
    const sql =
      materialized === 'incremental'
        ? incrementalSql(inner)
        : materialized === LAYER_DEFAULT.intermediate
          ? inner
          : `{{ config(materialized='${materialized}') }}\n${inner}`;
    const columns =
      materialized === 'ephemeral'
        ? []
        : [
            keyTests('id'),
            ...(k % 5 === 2 ? [relationshipsTest('customer_id')] : []),
            ...(k % 7 === 3 ? [acceptedValuesTest('category')] : []),
          ];
    add({ name: `int_${pad(k)}`, layer: 'intermediate', materialized, sql, columns, cost });
  }

  const kinds: MartKind[] = ['by_category', 'by_customer', 'by_month', 'joined_by_category'];
  const ints = models.filter((m) => m.layer === 'intermediate');
  const upstream = models.filter((m) => m.layer !== 'marts');
  for (let k = 0; k < nMarts; k++) {
    const kind = kinds[k % 4];
    const parents = chooseParents(kind === 'joined_by_category' ? 2 : 1, r() < 0.8 ? ints : upstream);
    const { sql, key } = martSql(
      kind,
      parents.map((p) => p.name),
    );
    const columns = [keyTests(key)];
    if (kind === 'by_customer' && k % 2 === 1) columns.push(relationshipsTest('customer_id'));
    if (kind === 'by_category' && k % 2 === 0) columns.push(acceptedValuesTest('category'));
    add({ name: `mart_${pad(k)}`, layer: 'marts', materialized: 'table', sql, columns, cost: 1 });
  }
  return models;
}

/** Writes the dbt project; returns what it holds. */
export function writeProject(models: ModelSpec[]) {
  rmSync(projectDir, { recursive: true, force: true });
  const write = (rel: string, text: string) => {
    mkdirSync(join(projectDir, rel, '..'), { recursive: true });
    writeFileSync(join(projectDir, rel), text);
  };
  write(
    'dbt_project.yml',
    stringify({
      name: 'bench',
      version: '1.0.0',
      'config-version': 2,
      profile: 'bench',
      'model-paths': ['models'],
      'seed-paths': ['seeds'],
      flags: { send_anonymous_usage_stats: false },
      vars: { bench_factor: 3, min_amount: 0 },
      models: {
        bench: Object.fromEntries(
          Object.entries(LAYER_DEFAULT).map(([layer, m]) => [layer, { '+materialized': m }]),
        ) as Record<string, unknown>,
      },
    }),
  );
  const seeds = seedCsvs();
  for (const [name, csv] of Object.entries(seeds)) write(`seeds/${name}.csv`, csv);
  const seedProps = [
    { name: 'customers', columns: [keyTests('customer_id')] },
    { name: 'products', columns: [keyTests('product_id'), acceptedValuesTest('category')] },
    { name: 'orders', columns: [keyTests('order_id'), relationshipsTest('customer_id')] },
  ];
  write('seeds/_seeds.yml', stringify({ version: 2, seeds: seedProps }));
  const sourceProps = [
    { name: 'landing', schema: 'landing', tables: [{ name: 'events', columns: [keyTests('event_id')] }] },
  ];
  write('models/staging/_sources.yml', stringify({ version: 2, sources: sourceProps }));
  for (const layer of Object.keys(LAYER_DEFAULT) as Layer[]) {
    const inLayer = models.filter((m) => m.layer === layer);
    for (const m of inLayer) write(`models/${layer}/${m.name}.sql`, `${m.sql}\n`);
    const props = inLayer.filter((m) => m.columns.length).map((m) => ({ name: m.name, columns: m.columns }));
    write(`models/${layer}/_${layer}.yml`, stringify({ version: 2, models: props }));
  }
  const tests: Record<string, number> = {};
  const countTests = (cols: Array<{ data_tests: unknown[] }>) => {
    for (const t of cols.flatMap((c) => c.data_tests)) {
      const name = typeof t === 'string' ? t : Object.keys(t as object)[0];
      tests[name] = (tests[name] ?? 0) + 1;
    }
  };
  for (const m of models) countTests(m.columns);
  for (const s of seedProps) countTests(s.columns);
  countTests(sourceProps[0].tables[0].columns);
  const seedRows = Object.fromEntries(Object.entries(seeds).map(([n, csv]) => [n, csv.trim().split('\n').length - 1]));
  return { tests, seedRows };
}

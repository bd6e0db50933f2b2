import {
  ensureAudit,
  ensureLockRow,
  LockRaced,
  takeLockRow,
  TRANSFORM_NODE_RUNS,
  untilNotRaced,
  type AuditSource,
} from '../audit';
import { ensureSchema, type Dialect, type TableRef, type Warehouse, type WarehouseSession } from '../warehouse';
import { compileNode, type CompileOptions } from './compile';
import { CompileError } from './jinja';
import { createHash } from 'node:crypto';
import { activityContext } from '../heartbeat';
import { quoterFor, renderRelation } from './jinja-context';
import type { Manifest, ManifestNode, Relation } from './manifest-types';

/** What building one model, seed or snapshot did. */
export interface BuildOutcome {
  /** Rows in the table (table, seed), rows inserted (incremental, snapshot), or none (view, ephemeral). */
  rows?: number;
  /** The SQL that ran (for target/run and errors). */
  sql: string;
  /** True when the work had been committed already under this invocation (a retried activity). */
  alreadyDone?: boolean;
}

/** Run options beyond compiling. */
export interface BuildOptions extends CompileOptions {
  fullRefresh?: boolean;
}

/** Builds one node of a manifest on the warehouse. */
export type NodeBuilder = (
  w: Warehouse,
  manifest: Manifest,
  node: ManifestNode,
  o: BuildOptions,
) => Promise<BuildOutcome>;

const RUNS = TRANSFORM_NODE_RUNS.ref;

/** Whether `rel` exists and as what; a read-only reader (`edp dbt compile`'s) is enough to ask. */
export async function relationKind(w: AuditSource, rel: Relation): Promise<'table' | 'view' | undefined> {
  const [schema, table] = [rel.schema, rel.identifier].map((name) => w.dialect.literal(name));
  const rows = await w.query(
    `select table_type from information_schema.tables where upper(table_schema) = upper(${schema}) and upper(table_name) = upper(${table})`,
  );
  if (rows.length === 0) return undefined;
  return /view/i.test(String(rows[0].table_type)) ? 'view' : 'table';
}

/** One try of a change of a node that is not idempotent (see {@link untilNodeSettled}), as of `seen` committed changes of it. */
export type NodeChangeTry = (
  w: Warehouse,
  manifest: Manifest,
  node: ManifestNode,
  o: BuildOptions,
  seen: number,
) => Promise<BuildOutcome>;

/** Builds a view, table, or incremental model (ephemeral models build nothing). */
export async function buildModel(
  w: Warehouse,
  manifest: Manifest,
  node: ManifestNode,
  o: BuildOptions,
): Promise<BuildOutcome> {
  const rel = node.relation!;
  const kind = node.config.materialized ?? 'view';
  if (kind === 'ephemeral') return { sql: compileNode(manifest, node, o) };
  await ensureSchema(w, rel.schema);
  const target = renderRelation(rel, manifest.target.type);
  if (kind === 'view') {
    const existing = await relationKind(w, rel);
    const sql = compileNode(manifest, node, o);
    if (existing === 'table') await w.execute(`drop table ${target}`);
    await w.execute(`create or replace view ${target} as\n${sql}`);
    return { sql };
  }
  const createTable = async (existing?: 'table' | 'view'): Promise<BuildOutcome> => {
    const sql = compileNode(manifest, node, { ...o, isIncremental: false });
    if (existing === 'view') await w.execute(`drop view ${target}`);
    await w.execute(`create or replace table ${target} as\n${sql}`);
    const [row] = await w.query<{ n: unknown }>(`select count(*) as n from ${target}`);
    return { sql, rows: Number(row.n) };
  };
  if (kind === 'table') return createTable(await relationKind(w, rel));
  if (kind !== 'incremental') {
    throw new CompileError(
      `${node.path}: materialized='${kind}' is not supported (view, table, incremental, ephemeral)`,
    );
  }
  const fullRefresh = o.fullRefresh && node.config.full_refresh !== false;
  return untilNodeSettled(w, node, o.invocationId, ['incr'], async (seen) => {
    const existing = await relationKind(w, rel);
    // A first build counts once its marker is written: until then a retry rebuilds it from scratch.
    if (existing !== 'table' || fullRefresh || seen === 0) {
      const out = await createTable(existing);
      await writeMarker(w, w.dialect, o.invocationId, node, out.rows ?? 0);
      return out;
    }
    return appendIncrement(w, manifest, node, o, seen);
  });
}

/**
 * Adds what the incremental model selects now to its table, in one transaction with its marker, as of
 * `seen` committed changes of the node (see {@link commitWithMarker}).
 */
const appendIncrement: NodeChangeTry = async (w, manifest, node, o, seen) => {
  const target = renderRelation(node.relation!, manifest.target.type);
  const sql = compileNode(manifest, node, { ...o, isIncremental: true });
  const staged = scratchTable(manifest, node, o.invocationId, 'incr'); // dropped by untilNodeSettled
  await w.execute(`create or replace table ${staged} as\n${sql}`); // DDL stays outside the transaction
  const targetCols = new Set((await columnsOf(w, w.dialect, target)).map((c) => c.toLowerCase()));
  const cols = (await columnsOf(w, w.dialect, staged)).filter((c) => targetCols.has(c.toLowerCase()));
  const list = cols.map((c) => `"${c}"`).join(', ');
  const keys = uniqueKeys(node);
  const strategy = node.config.incremental_strategy ?? (keys.length ? 'delete+insert' : 'append');
  if (strategy !== 'append' && keys.length === 0) {
    throw new CompileError(`${node.path}: incremental_strategy '${strategy}' needs a unique_key`);
  }
  return commitWithMarker(w, o.invocationId, node, seen, async (s) => {
    if (strategy !== 'append') {
      const match = keys.map((k) => `${target}.${k} = ${staged}.${k}`).join(' and ');
      await s.execute(`delete from ${target} where exists (select 1 from ${staged} where ${match})`);
    }
    const rows = await s.execute(`insert into ${target} (${list}) select ${list} from ${staged}`);
    return { sql, rows };
  });
};

/** The `unique_key` config as a list of columns. */
export function uniqueKeys(node: ManifestNode): string[] {
  const k = node.config.unique_key;
  if (!k) return [];
  return (Array.isArray(k) ? k : String(k).split(',')).map((x) => String(x).trim()).filter(Boolean);
}

/** Column names of a table, view or temp table, as the engine stores them. */
export async function columnsOf(
  s: Warehouse | WarehouseSession,
  dialect: Dialect,
  relation: string,
): Promise<string[]> {
  const { sql, nameColumn } = dialect.describeColumns(relation);
  const rows = await s.query(sql);
  return rows.map((r) => String(r[nameColumn]));
}

/** This activity attempt's number as Temporal counts it (1 outside an activity: CLI, unit test). */
function attemptNumber(): number {
  return activityContext()?.info.attempt ?? 1;
}

/** What names every scratch table of one node in one invocation (the node id keeps nodes of one name apart). */
function scratchRun(node: ManifestNode, invocationId: string): string {
  return createHash('sha1').update(`${invocationId}\n${node.id}`).digest('hex').slice(0, 8);
}

/**
 * A scratch table for one node's run (a real table: temp tables belong to one pooled connection), in the
 * node's schema, named after the node, the invocation and the activity attempt: an attempt that still runs
 * after Temporal gave up on it (a worker that lost its heartbeat) never replaces or drops the next one's.
 */
export function scratchRef(node: ManifestNode, invocationId: string, what: string): TableRef {
  const table = `edp_${what}_${node.name}_${scratchRun(node, invocationId)}_a${attemptNumber()}`;
  return { schema: node.relation!.schema, table: table.replace(/\W/g, '_') };
}

/**
 * Drops the scratch tables (see {@link scratchRef}) earlier attempts of this activity left for the node
 * and invocation (a killed worker's, one Temporal gave up on), once this attempt's build is done: those
 * attempts are over or their result no longer counts, and one still running finds the build committed
 * (its marker) when it tries again. A first attempt has none to look for.
 */
export async function dropEarlierScratch(w: Warehouse, node: ManifestNode, invocationId: string): Promise<void> {
  const attempt = attemptNumber();
  if (attempt === 1 || !node.relation) return;
  const { schema } = node.relation;
  const earlier = new RegExp(`^edp_\\w*_${scratchRun(node, invocationId)}_a(\\d+)$`, 'i');
  for (const { table } of await w.listTables(schema)) {
    const m = earlier.exec(table);
    if (m && Number(m[1]) < attempt) await w.execute(`drop table if exists ${w.dialect.table({ schema, table })}`);
  }
}

/** {@link scratchRef} as SQL for the target engine. */
export function scratchTable(manifest: Manifest, node: ManifestNode, invocationId: string, what: string): string {
  const q = quoterFor(manifest.target.type);
  const ref = scratchRef(node, invocationId, what);
  return `${q(ref.schema)}.${q(ref.table)}`;
}

/** The marker table, once the audit schema is in place (created once per warehouse handle, not per parallel node). */
async function markers(w: Warehouse): Promise<string> {
  await ensureAudit(w);
  return w.dialect.table(RUNS);
}

/** The marker of a change committed in this invocation under `id` (a node, or one of its hooks), if any. */
export async function markerOf(
  w: Warehouse,
  invocationId: string,
  id: string,
): Promise<{ rows: number | null } | undefined> {
  const runs = await markers(w);
  const done = await w.query<{ rows_affected: unknown }>(
    `select rows_affected from ${runs} where invocation_id = ? and node_id = ?`,
    [invocationId, id],
  );
  if (!done.length) return undefined;
  return { rows: done[0].rows_affected === null ? null : Number(done[0].rows_affected) };
}

/** Rows a node's committed change affected in this invocation, or undefined when it has not committed. */
export async function markerRows(w: Warehouse, invocationId: string, node: ManifestNode): Promise<number | undefined> {
  const done = await markerOf(w, invocationId, node.id);
  return done ? Number(done.rows) : undefined;
}

/** How many changes of the node any invocation has committed (its incremental table is real after the first). */
async function nodeCommits(w: Warehouse | WarehouseSession, dialect: Dialect, node: ManifestNode): Promise<number> {
  const [row] = await w.query<{ n: unknown }>(`select count(*) as n from ${dialect.table(RUNS)} where node_id = ?`, [
    node.id,
  ]);
  return Number(row.n);
}

/** The node's row in `audit.schema_lock`, held while a change to its table commits. */
const nodeLock = (node: ManifestNode): string => `transform:${node.id}`;

/**
 * Runs one build of a node whose change is not idempotent (an incremental model, a snapshot) until it
 * does not lose a race with another attempt (a retry on another worker while the first still runs, a
 * re-run of the interval): each try counts the changes of the node committed so far, then looks for this
 * invocation's marker, then builds as of those `seen` changes; a try that loses runs again and then finds
 * the winner's marker (same invocation) or builds on the winner's table (another invocation). The
 * `scratch` tables the build uses (see {@link scratchRef}) are dropped once it ends.
 */
export async function untilNodeSettled(
  w: Warehouse,
  node: ManifestNode,
  invocationId: string,
  scratch: string[],
  build: (seen: number) => Promise<BuildOutcome>,
): Promise<BuildOutcome> {
  await markers(w);
  await ensureLockRow(w, nodeLock(node));
  const dropOwn = async () => {
    for (const what of scratch) {
      await w.execute(`drop table if exists ${w.dialect.table(scratchRef(node, invocationId, what))}`);
    }
  };
  let out: BuildOutcome;
  try {
    out = await untilNotRaced(
      () => nodeCommits(w, w.dialect, node),
      async (seen) => {
        // Counted before the marker is looked for: a commit of this invocation in between is then either
        // found or makes this try's count stale (refused at its commit), never appended twice.
        const committed = await nodeCommits(w, w.dialect, node);
        const done = await markerRows(w, invocationId, node);
        if (done !== undefined) return { sql: '-- committed by an earlier attempt', rows: done, alreadyDone: true };
        seen(committed);
        return build(committed);
      },
    );
  } catch (err) {
    // The failure is what the caller needs; a scratch table this attempt leaves is dropped by the next one.
    await dropOwn().catch(() => undefined);
    throw err;
  }
  await dropOwn();
  return out;
}

/**
 * Records that the change of this invocation under `node.id` (a node, or one of its hooks) is done, in
 * `w`'s transaction when it is a session.
 */
export async function writeMarker(
  w: Warehouse | WarehouseSession,
  dialect: Dialect,
  invocationId: string,
  node: Pick<ManifestNode, 'id'>,
  rows: number | null,
): Promise<void> {
  await w.execute(`insert into ${dialect.table(RUNS)} values (?, ?, ?, current_timestamp)`, [
    invocationId,
    node.id,
    rows,
  ]);
}

/**
 * Commits a change that is not idempotent by itself (an incremental append, a snapshot merge) together
 * with its marker row, in one transaction of DML only (Snowflake commits DDL on its own), under the
 * node's row lock: when another attempt committed a change of the node since this one read `seen` of
 * them, the change was computed from an older table and is refused ({@link LockRaced}).
 */
export async function commitWithMarker(
  w: Warehouse,
  invocationId: string,
  node: ManifestNode,
  seen: number,
  change: (s: WarehouseSession) => Promise<BuildOutcome>,
): Promise<BuildOutcome> {
  return w.transaction(async (s) => {
    await takeLockRow(s, w.dialect, nodeLock(node), invocationId, `${node.id} is being changed by another attempt`);
    if ((await nodeCommits(s, w.dialect, node)) !== seen) {
      throw new LockRaced(`${node.id} was changed by another attempt meanwhile`);
    }
    const out = await change(s);
    await writeMarker(s, w.dialect, invocationId, node, out.rows ?? 0);
    return out;
  });
}

import { LockRaced } from '../audit';
import { ensureSchema, type Warehouse } from '../warehouse';
import { compileNode } from './compile';
import { CompileError } from './jinja';
import { quoterFor, renderRelation } from './jinja-context';
import type { Manifest, ManifestNode } from './manifest-types';
import {
  columnsOf,
  commitWithMarker,
  relationKind,
  scratchTable,
  uniqueKeys,
  untilNodeSettled,
  type BuildOptions,
  type BuildOutcome,
  type NodeChangeTry,
} from './materialize';

/** The scratch tables of a snapshot's build: its select's rows, and the staged changes. */
const SCRATCH = ['snap_src', 'snap_stage'];

interface Strategy {
  /** SQL for the version's timestamp (`updated_at` column, or the run's start for `check` without one). */
  updatedAt: string;
  /** SQL that is true when `snapshotted_data`'s row differs from `source_data`'s. */
  rowChanged: string;
  /** dbt_scd_id: md5 of the key and the version timestamp, as dbt computes it. */
  scdId: string;
}

function strategyFor(node: ManifestNode, sourceColumns: string[], runStartedAt: string, validFrom: string): Strategy {
  const keys = uniqueKeys(node);
  if (keys.length === 0) throw new CompileError(`${node.path}: snapshot ${node.name} needs config unique_key`);
  const hash = (args: string[]) => `md5(${args.map((a) => `coalesce(cast(${a} as varchar), '')`).join(" || '|' || ")})`;
  const strategy = node.config.strategy;
  if (strategy === 'timestamp') {
    if (typeof node.config.updated_at !== 'string') {
      throw new CompileError(`${node.path}: snapshot ${node.name} with strategy 'timestamp' needs config updated_at`);
    }
    const u = node.config.updated_at;
    return {
      updatedAt: u,
      rowChanged: `(snapshotted_data.${validFrom} < source_data.${u})`,
      scdId: hash([...keys, u]),
    };
  }
  if (strategy === 'check') {
    const cfg = node.config.check_cols;
    const cols =
      cfg === 'all' ? sourceColumns : Array.isArray(cfg) ? cfg.map(String) : typeof cfg === 'string' ? [cfg] : [];
    if (cols.length === 0)
      throw new CompileError(`${node.path}: snapshot ${node.name} with strategy 'check' needs check_cols`);
    const updatedAt =
      typeof node.config.updated_at === 'string' ? node.config.updated_at : `cast('${runStartedAt}' as timestamp)`;
    const changed = cols.map(
      (c) =>
        `snapshotted_data.${c} != source_data.${c} or ((snapshotted_data.${c} is null) and not (source_data.${c} is null)) or ((not snapshotted_data.${c} is null) and (source_data.${c} is null))`,
    );
    return { updatedAt, rowChanged: `(${changed.join(' or ')})`, scdId: hash([...keys, updatedAt]) };
  }
  throw new CompileError(`${node.path}: snapshot ${node.name} needs strategy 'timestamp' or 'check'`);
}

/**
 * Runs a snapshot (SCD type 2, as dbt does): new keys and changed rows are inserted as current versions,
 * the versions they replace get `dbt_valid_to`; with `hard_deletes: invalidate`, keys gone from the source
 * are closed too.
 */
export async function buildSnapshot(
  w: Warehouse,
  manifest: Manifest,
  node: ManifestNode,
  o: BuildOptions,
): Promise<BuildOutcome> {
  await ensureSchema(w, node.relation!.schema);
  return untilNodeSettled(w, node, o.invocationId, SCRATCH, (seen) => mergeSnapshot(w, manifest, node, o, seen));
}

/** One try of {@link buildSnapshot}. */
const mergeSnapshot: NodeChangeTry = async (w, manifest, node, o, seen) => {
  const rel = node.relation!;
  const target = renderRelation(rel, manifest.target.type);
  const sql = compileNode(manifest, node, o);
  const c = quoterFor(manifest.target.type);
  const [SCD, UPD, FROM, TO] = ['dbt_scd_id', 'dbt_updated_at', 'dbt_valid_from', 'dbt_valid_to'].map(c);
  const keys = uniqueKeys(node);
  const exists = (await relationKind(w, rel)) === 'table';
  // Scratch tables, not temp ones (pooled connections), and DDL outside the transaction (Snowflake commits DDL);
  // untilNodeSettled drops them.
  const [src, stage] = SCRATCH.map((what) => scratchTable(manifest, node, o.invocationId, what));
  await w.execute(`create or replace table ${src} as\n${sql}`);
  const sourceColumns = await columnsOf(w, w.dialect, src);
  const st = strategyFor(node, sourceColumns, o.runStartedAt, FROM);
  if (!exists) {
    // First build: a retry after a crash before the marker finds the table and merges nothing new.
    await w
      .execute(
        `create table ${target} as select *, ${st.scdId} as ${SCD}, ${st.updatedAt} as ${UPD}, ${st.updatedAt} as ${FROM}, nullif(${st.updatedAt}, ${st.updatedAt}) as ${TO} from ${src} sbq`,
      )
      .catch(async (err: unknown) => {
        // Another attempt created it meanwhile: tried again, this one finds its marker or merges into its table.
        if ((await relationKind(w, rel)) === 'table')
          throw new LockRaced(`${node.id} was created meanwhile`, { cause: err });
        throw err;
      });
    // The marker goes in under the node's lock like a merge's: an attempt that merged into this table
    // meanwhile (same invocation) holds it or committed first, and this one then finds its marker.
    return commitWithMarker(w, o.invocationId, node, seen, async (s) => {
      const [n] = await s.query<{ n: unknown }>(`select count(*) as n from ${target}`);
      return { sql, rows: Number(n.n) };
    });
  }
  const cols = (alias: string) => sourceColumns.map((x) => `${alias}."${x}"`).join(', ');
  const join = keys.map((k) => `snapshotted_data.${k} = source_data.${k}`).join(' and ');
  const snapKeyNull = keys.map((k) => `snapshotted_data.${k} is null`).join(' and ');
  const invalidate = node.config.hard_deletes === 'invalidate' || node.config.invalidate_hard_deletes === true;
  const now = `cast('${o.runStartedAt}' as timestamp)`;
  // dbt's snapshot staging: insertions (new keys, changed rows) and updates (the versions they close),
  // with explicit column lists so it runs on any engine.
  await w.execute(`create or replace table ${stage} as
with snapshotted_data as (select * from ${target} where ${TO} is null),
insertions_source_data as (
  select *, ${st.updatedAt} as ${UPD}, ${st.updatedAt} as ${FROM}, nullif(${st.updatedAt}, ${st.updatedAt}) as ${TO}, ${st.scdId} as ${SCD}
  from ${src}),
updates_source_data as (
  select *, ${st.updatedAt} as ${UPD}, ${st.updatedAt} as ${FROM}, ${st.updatedAt} as ${TO}
  from ${src}),
insertions as (
  select 'insert' as dbt_change_type, ${cols('source_data')}, source_data.${UPD}, source_data.${FROM}, source_data.${TO}, source_data.${SCD}
  from insertions_source_data as source_data
  left outer join snapshotted_data on ${join}
  where ${snapKeyNull} or (not (${snapKeyNull}) and ${st.rowChanged})),
updates as (
  select 'update' as dbt_change_type, ${cols('source_data')}, source_data.${UPD}, source_data.${FROM}, source_data.${TO}, snapshotted_data.${SCD}
  from updates_source_data as source_data
  join snapshotted_data on ${join}
  where ${st.rowChanged})
select * from insertions
union all
select * from updates
${
  invalidate
    ? `union all
select 'delete' as dbt_change_type, ${cols('snapshotted_data')}, ${now}, ${now}, ${now}, snapshotted_data.${SCD}
from snapshotted_data left join ${src} as source_data on ${join}
where ${keys.map((k) => `source_data.${k} is null`).join(' and ')}`
    : ''
}`);
  const targetCols = await columnsOf(w, w.dialect, target);
  const stageCols = new Set(await columnsOf(w, w.dialect, stage));
  const list = targetCols
    .filter((x) => stageCols.has(x))
    .map((x) => `"${x}"`)
    .join(', ');
  return commitWithMarker(w, o.invocationId, node, seen, async (s) => {
    await s.execute(
      `update ${target} set ${TO} = st.${TO} from ${stage} st where st.${SCD} = ${target}.${SCD} and ${target}.${TO} is null and st.dbt_change_type in ('update', 'delete')`,
    );
    const rows = await s.execute(
      `insert into ${target} (${list}) select ${list} from ${stage} where dbt_change_type = 'insert'`,
    );
    return { sql, rows };
  });
};

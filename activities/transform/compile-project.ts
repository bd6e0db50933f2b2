import type { AuditSource } from '../audit';
import { compileNode, prefetchNodeQueries, testSql } from './compile';
import { writeNodeSql } from './manifest-store';
import type { Manifest } from './manifest-types';
import { relationKind } from './materialize';

/** A template's query on the warehouse (`run_query`, `statement`), as rows of values in column order. */
export function templateQuery(w: Pick<AuditSource, 'query'>) {
  return async (sql: string) => {
    const rows = await w.query(sql);
    const columns = rows.length ? Object.keys(rows[0]) : await columnsOfEmpty(w, sql);
    return { columns, rows: rows.map((r) => columns.map((c) => templateValue(r[c]))) };
  };
}

/**
 * The column names of a query that returned no rows (agate's table has them: `columns[0].values()` is an
 * empty list, not an error), read from one row of nulls outer-joined to it; none for what is not a query.
 */
async function columnsOfEmpty(w: Pick<AuditSource, 'query'>, sql: string): Promise<string[]> {
  const query = sql.trim().replace(/;\s*$/, '');
  if (!/^(select|with)\b/i.test(query)) return [];
  try {
    const [row] = await w.query(`select edp_q.* from (select 1 as edp_one) edp_d left join (${query}) edp_q on true`);
    return row ? Object.keys(row) : [];
  } catch {
    return [];
  }
}

/**
 * A warehouse value as a template sees it (Python ints in dbt): 64-bit integers arrive as bigint or
 * as integer text, and become numbers when they fit.
 */
function templateValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : String(v);
  if (typeof v === 'string' && /^-?(0|[1-9]\d{0,14})$/.test(v)) return Number(v);
  return v;
}

/**
 * Compiles every selected node without running it (`edp dbt compile`): writes target/compiled/. The
 * templates' queries and `is_incremental()` are answered by `reader`, which only reads; without one, a
 * node whose template queries the warehouse is refused (CompileError naming its file and the query).
 */
export async function compileProject(
  reader: AuditSource | undefined,
  manifest: Manifest,
  nodeIds: readonly string[],
): Promise<Array<{ id: string; file: string }>> {
  const out: Array<{ id: string; file: string }> = [];
  const options = { invocationId: 'compile', runStartedAt: new Date().toISOString() };
  for (const id of nodeIds) {
    const node = manifest.nodes[id];
    if (node.resourceType === 'seed') continue;
    let isIncremental = false;
    if (reader && node.config.materialized === 'incremental' && node.relation) {
      isIncremental = (await relationKind(reader, node.relation)) === 'table';
    }
    if (reader) await prefetchNodeQueries(manifest, node, { ...options, isIncremental }, templateQuery(reader));
    const sql =
      node.resourceType === 'test'
        ? testSql(manifest, node, options)
        : compileNode(manifest, node, { ...options, isIncremental });
    out.push({ id, file: writeNodeSql(manifest, node, 'compiled', sql) });
  }
  return out;
}

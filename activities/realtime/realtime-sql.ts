import type { IntegratedTableConfig, RealtimeConfig, RealtimeTableConfig } from '../../lib/config/realtime-schema';
import { ConfigError } from '../../lib/errors';
import type { Dialect } from '../warehouse/dialect';
import { tableRef, type TableRef } from '../warehouse/warehouse';

/** Schemas of the near-real-time layers. */
export const INTEGRATION = 'integration';
export const CURATION = 'curation';
export const CONSUMPTION = 'consumption';

/** `integration.<name>`: recent history ∪ changes. */
export const integrationView = (t: RealtimeTableConfig): TableRef => ({ schema: INTEGRATION, table: t.name });
/** `curation.<name>`: the business rules' result, kept within the target lag. */
export const curationTable = (t: RealtimeTableConfig): TableRef => ({ schema: CURATION, table: t.name });

/** A config error naming the key it is about. */
export class RealtimeConfigError extends ConfigError {}

/** True when the curation table has an integration view (it may read only other curation tables). */
export const hasIntegration = (t: RealtimeTableConfig): t is IntegratedTableConfig =>
  t.columns !== undefined && t.history !== undefined && t.changes !== undefined;

/** `curation.<name>` of a `{{ curation.<name> }}` placeholder's inner text, else undefined. */
export function curationPlaceholder(name: string): TableRef | undefined {
  const m = /^curation\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(name);
  return m ? { schema: CURATION, table: m[1] } : undefined;
}

/**
 * Replaces the `{{ … }}` placeholders of a configured SELECT through `resolve`; an unknown one is an
 * error naming the config key (`where`).
 */
export function renderPlaceholders(sql: string, where: string, resolve: (name: string) => string | undefined): string {
  return sql.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_match, name: string) => {
    const value = resolve(name);
    if (value === undefined) throw new RealtimeConfigError(`unknown placeholder {{ ${name} }}`, { fix: where });
    return value;
  });
}

/** Characters light cleansing removes: C0 controls but tab, line feed and carriage return, DEL, C1 controls, U+FFFD. */
const UNPRINTABLE = [
  ...Array.from({ length: 32 }, (_, i) => i).filter((i) => ![0, 9, 10, 13].includes(i)),
  ...Array.from({ length: 33 }, (_, i) => 127 + i),
  0xfffd,
]
  .map((code) => String.fromCharCode(code))
  .join('');
/** Characters light cleansing makes spaces: tab, line feed, carriage return, no-break space. */
const SPACES = '\t\n\r\u00a0';

/** A text column with unprintable characters removed, whitespace characters made spaces, and trimmed. */
function cleansed(d: Dialect, expr: string): string {
  return `TRIM(TRANSLATE(CAST(${expr} AS VARCHAR), ${d.literal(SPACES + UNPRINTABLE)}, ${d.literal(' '.repeat(SPACES.length))}))`;
}

/** The record id: md5 of the source and the key columns (NULL told apart from the empty string). */
function recordIdSql(d: Dialect, t: IntegratedTableConfig, s: IntegratedTableConfig['changes']): string {
  const r = t.recordId!;
  const parts = r.key.map((k) => `COALESCE('v' || CAST(${d.quoteIdent(s.rename[k] ?? k)} AS VARCHAR), 'n')`);
  return `md5(${[d.literal(r.source ?? t.name), ...parts].join(" || '|' || ")}) AS ${d.quoteIdent(r.column)}`;
}

/**
 * The integration view's SELECT: the history table's recent rows and every row of the changes table, in
 * the same columns; the `cleanse` columns cleansed and, with `recordId`, a record id after them.
 */
export function integrationSelect(d: Dialect, table: RealtimeTableConfig): string {
  if (!hasIntegration(table))
    throw new RealtimeConfigError(`curation table ${table.name} has no integration view (columns, history, changes)`);
  const t = table;
  const column = (s: IntegratedTableConfig['changes'], c: string): string => {
    const source = d.quoteIdent(s.rename[c] ?? c);
    return `${t.cleanse.includes(c) ? cleansed(d, source) : source} AS ${d.quoteIdent(c)}`;
  };
  const side = (s: IntegratedTableConfig['changes'], label: string, where: string): string =>
    `SELECT ${t.columns.map((c) => column(s, c)).join(', ')},${t.recordId ? ` ${recordIdSql(d, t, s)},` : ''}
       ${d.quoteIdent(s.changedAt)} AS _edp_changed_at, ${d.literal(label)} AS _edp_source
     FROM ${d.table(tableRef(s.table))}${where}`;
  const recentSeconds = Math.round(t.history.recentHours * 3600);
  return `${side(t.history, 'history', ` WHERE ${d.quoteIdent(t.history.changedAt)} > ${d.now()} - INTERVAL '${recentSeconds} SECONDS'`)}
     UNION ALL
     ${side(t.changes, 'changes', '')}`;
}

/** A curation table's SELECT, reading its integration view and the curation tables it names (config load checked they exist). */
export function curationSelect(d: Dialect, t: RealtimeTableConfig, index: number): string {
  return renderPlaceholders(t.sql, `realtime.tables[${index}].sql`, (name) => {
    if (name === 'integration') return hasIntegration(t) ? d.table(integrationView(t)) : undefined;
    const upstream = curationPlaceholder(name);
    return upstream && upstream.table !== t.name ? d.table(upstream) : undefined;
  });
}

/** The consumption views' SELECTs, reading curation tables as `{{ curation.<name> }}`. */
export function consumptionViews(d: Dialect, config: RealtimeConfig): Array<{ ref: TableRef; select: string }> {
  const names = new Map(config.tables.map((t) => [t.name, curationTable(t)]));
  return config.views.map((v, i) => ({
    ref: { schema: CONSUMPTION, table: v.name },
    select: renderPlaceholders(v.sql, `realtime.views[${i}].sql`, (name) => {
      const ref = names.get(curationPlaceholder(name)?.table ?? '');
      return ref ? d.table(ref) : undefined;
    }),
  }));
}

/** A curation table's target lag in seconds. */
export const targetLagOf = (config: RealtimeConfig, t: RealtimeTableConfig): number => t.targetLag ?? config.targetLag;

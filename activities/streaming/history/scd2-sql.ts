import type { Dialect } from '../../warehouse';

/** What an SCD type 2 history is built from: a relation of change events and its columns. */
export interface Scd2Spec {
  /** A SELECT of change events: the key and value columns, `_edp_op` (`d` deletes), `_edp_lsn`, `_edp_event_time`, `_edp_kafka_partition`, `_edp_kafka_offset`. */
  events: string;
  /** The business key. */
  key: readonly string[];
  /** Every value column a version carries (key excluded). */
  columns: readonly string[];
  /** The columns whose row hash detects a change (a subset of `columns`). */
  track: readonly string[];
}

/** The version id and number columns: `member_id` gives `member_version_id` and `member_version`, as dim_member has. */
export function versionColumns(key: readonly string[]): { id: string; number: string } {
  const stem = key.length === 1 && /_id$/.test(key[0]) ? `${key[0].slice(0, -3)}_` : '';
  return { id: `${stem}version_id`, number: `${stem}version` };
}

/** The history table's columns in order: the dimension's shape, then the row hash and the source position. */
export function scd2Columns(spec: Pick<Scd2Spec, 'key' | 'columns'>): string[] {
  const v = versionColumns(spec.key);
  return [
    v.id,
    ...spec.key,
    v.number,
    ...spec.columns,
    'valid_from',
    'valid_to',
    'is_current',
    'row_hash',
    '_edp_lsn',
    '_edp_kafka_partition',
    '_edp_kafka_offset',
  ];
}

/** A text hash of `columns` (NULL told apart from the empty string), the change detector of both history kinds. */
export function hashSql(columns: readonly string[]): string {
  return `md5(${columns.map((c) => `COALESCE('v' || CAST(${c} AS VARCHAR), 'n')`).join(" || '|' || ")})`;
}

/**
 * A SELECT of the whole SCD type 2 history of the keys in `spec.events`, in {@link scd2Columns} order.
 * Events are ordered per key by source position (LSN), then event time, then Kafka partition and
 * offset; an event opens a version when its row hash differs from the previous event's state (a
 * delete is a state of its own), so duplicates and unchanged rows open nothing, a delete closes the
 * current version and an insert after a delete opens a new one. Versions run from their event's time
 * to the next change's; the last one is current unless a delete closed it. Pure: the same events give
 * the same rows, whatever order they arrived in.
 */
export function scd2VersionsSql(d: Dialect, spec: Scd2Spec): string {
  const q = (c: string) => d.quoteIdent(c);
  const v = versionColumns(spec.key);
  const keys = spec.key.map(q).join(', ');
  const byKey = (order: string) => `OVER (PARTITION BY ${keys} ORDER BY ${order})`;
  const idParts = [...spec.key.map(q), d.epochMs('valid_from'), 'row_hash'];
  return `SELECT ${hashSql(idParts)} AS ${q(v.id)}, ${spec.key.map(q).join(', ')},
    row_number() ${byKey('edp_seq')} AS ${q(v.number)}, ${spec.columns.map(q).join(', ')},
    valid_from, valid_to, is_current, row_hash, _edp_lsn, _edp_kafka_partition, _edp_kafka_offset
  FROM (
    SELECT c.*, _edp_event_time AS valid_from, LEAD(_edp_event_time) ${byKey('edp_seq')} AS valid_to,
      LEAD(edp_seq) ${byKey('edp_seq')} IS NULL AS is_current
    FROM (
      SELECT s.* FROM (
        SELECT e.*, LAG(edp_state) ${byKey('edp_seq')} AS edp_prev_state
        FROM (
          SELECT x.*, CASE WHEN _edp_op = 'd' THEN 'deleted' ELSE row_hash END AS edp_state,
            row_number() ${byKey('_edp_lsn NULLS FIRST, _edp_event_time, _edp_kafka_partition, _edp_kafka_offset')} AS edp_seq
          FROM (SELECT ev.*, ${hashSql(spec.track.map(q))} AS row_hash FROM (${spec.events}) ev) x
        ) e
      ) s
      WHERE edp_prev_state IS NULL OR edp_prev_state <> edp_state
    ) c
  ) h
  WHERE _edp_op <> 'd'`;
}

import type { StreamTopicConfig } from '../../lib/config/schema';
import type { Warehouse } from '../warehouse';

/** One typed column out of a raw row's JSON (timestamps may also be epoch milliseconds, as Debezium sends them). */
export function typedColumn(w: Warehouse, name: string, type: StreamTopicConfig['columns'][string]): string {
  const d = w.dialect;
  const text = d.jsonText('row_json', name);
  if (type === 'timestamp') {
    return `CASE WHEN ${d.regexFullMatch(text, '-?[0-9]+')} THEN ${d.fromEpochMs(text)}
      ELSE ${d.tryCast(text, type)} END`;
  }
  return d.tryCast(text, type);
}

/**
 * The change's position in the source's log: Debezium's `source.lsn` out of the message text in raw's
 * `payload` column (an envelope with or without a schema, or the flattened `__lsn`); NULL for plain JSON.
 */
export function sourceLsn(w: Warehouse): string {
  const d = w.dialect;
  const envelope = d.jsonText('payload', 'payload');
  const lsn = (doc: string) => d.jsonText(d.jsonText(doc, 'source'), 'lsn');
  return d.tryCast(
    `COALESCE(${lsn(envelope)}, ${lsn('payload')}, ${d.jsonText(envelope, '__lsn')}, ${d.jsonText('payload', '__lsn')})`,
    'integer',
  );
}

/**
 * A raw table's events as typed rows: the topic's columns, `_edp_op`, `_edp_lsn`, `_edp_event_time` and
 * the Kafka position, for raw rows (alias `r`) matching `where`.
 */
export function rawEventsSql(w: Warehouse, t: StreamTopicConfig, raw: string, where: string): string {
  const cols = Object.entries(t.columns).map(([n, ty]) => `${typedColumn(w, n, ty)} AS ${w.dialect.quoteIdent(n)}`);
  return `SELECT ${cols.join(', ')}, _edp_op, ${sourceLsn(w)} AS _edp_lsn, _edp_event_time,
      kafka_partition AS _edp_kafka_partition, kafka_offset AS _edp_kafka_offset, _edp_ingested_at
    FROM ${raw} r WHERE ${where}`;
}

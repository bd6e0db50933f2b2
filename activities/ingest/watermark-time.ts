import type { SqlTableConfig } from '../../lib/config/schema';

/** A date or timestamp as a source returns it as text (`2026-01-01 04:12:00`, `…+00`, `…Z`); UTC when it has no zone. */
const TIME_TEXT = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** The instant a date or timestamp watermark stands for, in epoch ms; undefined for other watermarks (sequences). */
export function watermarkTime(table: SqlTableConfig, watermark: string | null): number | undefined {
  const type = table.watermark ? table.columns[table.watermark] : undefined;
  if (watermark === null || (type !== 'timestamp' && type !== 'date')) return undefined;
  const m = TIME_TEXT.exec(watermark.trim());
  if (!m) return undefined;
  const zone = m[3] === undefined ? 'Z' : /^[+-]\d{2}$/.test(m[3]) ? `${m[3]}:00` : m[3];
  const t = Date.parse(`${m[1]}T${m[2] ?? '00:00'}${zone}`);
  return Number.isNaN(t) ? undefined : t;
}

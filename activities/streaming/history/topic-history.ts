import type { StreamTopicConfig } from '../../../lib/config/schema';
import type { Warehouse, WarehouseSession } from '../../warehouse';
import { notQuarantined } from '../quarantined-events';
import { rawEventsSql, typedColumn } from '../raw-events';
import { rawTable } from '../stream-tables';
import { historyColumns, topicHistoryTable } from './history-tables';
import { scd2Columns, scd2VersionsSql } from './scd2-sql';
import { keyIn } from './touched-keys';

/**
 * Rebuilds the SCD type 2 versions of the keys the raw rows matching `where` (alias `r`) touch, from
 * every raw event of those keys but the quarantined ones: the versions are replaced in the caller's
 * transaction, so a retry, a second worker or a late event of an older position gives the same rows,
 * never a duplicate version.
 */
export async function applyTopicHistory(
  tx: WarehouseSession,
  w: Warehouse,
  t: StreamTopicConfig,
  where: string,
): Promise<number> {
  const d = w.dialect;
  const q = (c: string) => d.quoteIdent(c);
  const raw = d.table(rawTable(t));
  const history = d.table(topicHistoryTable(t));
  const keyValue = (k: string) => typedColumn(w, k, t.columns[k]);
  const touched = `SELECT DISTINCT ${t.key.map((k) => `${keyValue(k)} AS ${q(k)}`).join(', ')} FROM ${raw} r WHERE ${where}`;
  const { columns, track } = historyColumns(t);
  const list = scd2Columns({ key: t.key, columns }).map(q).join(', ');
  await tx.execute(
    `DELETE FROM ${history} h WHERE ${keyIn(
      w,
      t.key.map((k) => ({ name: k, value: `h.${q(k)}` })),
      touched,
    )}`,
  );
  // Events a staging rule quarantined open, change and close no version.
  const events = rawEventsSql(
    w,
    t,
    raw,
    `${keyIn(
      w,
      t.key.map((k) => ({ name: k, value: keyValue(k) })),
      touched,
    )} AND ${notQuarantined(w, t)}`,
  );
  return tx.execute(
    `INSERT INTO ${history} (${list}) SELECT ${list} FROM (${scd2VersionsSql(d, { events, key: t.key, columns, track })}) v`,
  );
}

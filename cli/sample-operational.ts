import type { SqlSourceConfig } from '../lib/config/schema';
import { fileStamp, type DataInterval } from '../lib/intervals';
import { claimId } from './sample-data';
import { ensureDatabase } from '../infra/postgres';
import { connectPostgres, postgresClientConfig } from '../activities/connections';

/** The operational tables `edp generate` fills: plan reference data and claim status changes. */
const DDL = `
  CREATE TABLE IF NOT EXISTS plans (
    plan_id TEXT PRIMARY KEY, plan_name TEXT NOT NULL, deductible NUMERIC(10,2) NOT NULL,
    out_of_pocket_max NUMERIC(10,2) NOT NULL, plan_year INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS claim_status_events (
    event_id TEXT PRIMARY KEY, claim_id TEXT NOT NULL, status TEXT NOT NULL,
    amount NUMERIC(12,2), updated_at TIMESTAMPTZ NOT NULL);
  CREATE INDEX IF NOT EXISTS claim_status_events_updated_at ON claim_status_events (updated_at);`;

const PLANS = [
  ['PLN-BRONZE', 'Bronze 7000', 7000, 9450],
  ['PLN-SILVER', 'Silver 3500', 3500, 8200],
  ['PLN-GOLD', 'Gold 1000', 1000, 5000],
] as const;
const STATUSES = ['submitted', 'adjudicated', 'approved', 'denied', 'paid'];

/**
 * Writes the interval's rows into the operational PostgreSQL source: the plans (reference data) and
 * `events` claim status changes stamped inside the interval. Deterministic ids, so a second run for
 * the same interval adds nothing.
 */
export async function writeSampleOperational(
  source: SqlSourceConfig,
  interval: DataInterval,
  events: number,
  seed: number,
): Promise<number> {
  await ensureDatabase(postgresClientConfig(source, 'postgres'), source.database);
  const client = await connectPostgres(source, source.database);
  try {
    await client.query(DDL);
    const year = new Date(interval.start).getUTCFullYear();
    for (const [id, name, deductible, oop] of PLANS) {
      await client.query(
        `INSERT INTO plans VALUES ($1, $2, $3, $4, $5) ON CONFLICT (plan_id) DO UPDATE SET plan_year = EXCLUDED.plan_year`,
        [id, name, deductible, oop, year],
      );
    }
    const start = new Date(interval.start).getTime();
    const span = new Date(interval.end).getTime() - start;
    const stamp = fileStamp(interval.start);
    let state = (seed * 2654435761 + start / 1000) >>> 0;
    const next = (): number =>
      (state = (Math.imul(state ^ (state >>> 15), 2246822519) + 0x9e3779b9) >>> 0) / 4294967296;
    const rows = Array.from({ length: events }, (_, i) => [
      `E${stamp}-${String(i + 1).padStart(6, '0')}`,
      claimId(stamp, 1 + Math.floor(next() * events)),
      STATUSES[Math.floor(next() * STATUSES.length)],
      (Math.round(next() * 500_000) / 100).toFixed(2),
      new Date(start + Math.floor((i / events) * span)).toISOString(),
    ]);
    let inserted = 0;
    for (let i = 0; i < rows.length; i += 1000) {
      const chunk = rows.slice(i, i + 1000);
      const values = chunk
        .map((_, r) => `($${r * 5 + 1}, $${r * 5 + 2}, $${r * 5 + 3}, $${r * 5 + 4}, $${r * 5 + 5})`)
        .join(', ');
      const res = await client.query(
        `INSERT INTO claim_status_events VALUES ${values} ON CONFLICT (event_id) DO NOTHING`,
        chunk.flat(),
      );
      inserted += res.rowCount ?? 0;
    }
    return inserted;
  } finally {
    await client.end();
  }
}

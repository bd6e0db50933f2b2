import { HEARTBEAT_TABLE, type SqlSourceConfig } from '../../lib/config/schema';
import type { HeartbeatConfig } from '../../lib/config/streaming-schema';
import { ConfigError } from '../../lib/errors';
import { connectPostgres } from '../connections';

/** PostgreSQL's SQLSTATE for a table that does not exist. */
const UNDEFINED_TABLE = '42P01';

/** What the heartbeat writer needs: the sources and the heartbeat settings. */
export interface HeartbeatDeps {
  sources: readonly SqlSourceConfig[];
  streaming: { heartbeat?: HeartbeatConfig };
}

/** One heartbeat written: the row's key and the source's own clock at its commit. */
export interface HeartbeatWritten {
  source: string;
  beatAt: string;
}

/** The source `streaming.heartbeat.source` names; a missing setting or an unknown name is a config error. */
export function heartbeatSource(deps: HeartbeatDeps): SqlSourceConfig {
  const beat = deps.streaming.heartbeat;
  if (!beat) throw new ConfigError('no heartbeat is configured', { fix: 'streaming.heartbeat' });
  const source = deps.sources.find((s) => s.name === beat.source);
  if (!source) {
    throw new ConfigError(
      `no source "${beat.source}" (sources: ${deps.sources.map((s) => s.name).join(', ') || 'none'})`,
      { fix: 'streaming.heartbeat.source' },
    );
  }
  return source;
}

/**
 * Upserts this platform's row of the source's `edp_heartbeat` table to the source's clock (creating the
 * table when it is missing, as `edp cdc start` would). The row holds the source name and a time only:
 * nothing of a member reaches the heartbeat, its topic or its alerts.
 */
export async function writeHeartbeat(deps: HeartbeatDeps): Promise<HeartbeatWritten> {
  const source = heartbeatSource(deps);
  const client = await connectPostgres(source, source.database);
  const upsert = () =>
    client.query<{ beat_at: Date }>(
      `INSERT INTO ${HEARTBEAT_TABLE} (source, beat_at) VALUES ($1, now())
       ON CONFLICT (source) DO UPDATE SET beat_at = EXCLUDED.beat_at RETURNING beat_at`,
      [source.name],
    );
  try {
    let result;
    try {
      result = await upsert();
    } catch (err) {
      if ((err as { code?: string }).code !== UNDEFINED_TABLE) throw err;
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${HEARTBEAT_TABLE} (source TEXT PRIMARY KEY, beat_at TIMESTAMPTZ NOT NULL)`,
      );
      result = await upsert();
    }
    return { source: source.name, beatAt: result.rows[0].beat_at.toISOString() };
  } finally {
    await client.end();
  }
}

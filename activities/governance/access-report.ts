import type { AuditSource } from '../audit/audit-source';
import { BadInputError } from '../../lib/errors';
import { ENGINES } from '../warehouse';

/** One read of a consumption object. */
export interface AccessRead {
  /** When the query started, ISO-8601 UTC. */
  readAt: string;
  user: string;
  role: string;
  /** `DATABASE.SCHEMA.OBJECT` as the engine names it. */
  object: string;
  queryId: string;
}

/** What `edp access-report` asks for. */
export interface AccessReportRequest {
  since: Date;
  until: Date;
  schemas: readonly string[];
  /** Include the platform's own statements (QUERY_TAG app = edp). */
  includePlatform?: boolean;
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/** An engine timestamp (a Date, epoch text or ISO text) as ISO-8601 UTC. */
function isoOf(v: unknown): string {
  const date = v instanceof Date ? v : new Date(typeof v === 'number' ? v : text(v));
  return Number.isNaN(date.getTime()) ? text(v) : date.toISOString();
}

/** The rows of the access-history query as reads. */
export function accessReads(rows: ReadonlyArray<Record<string, unknown>>): AccessRead[] {
  return rows.map((r) => ({
    readAt: isoOf(r.read_at),
    user: text(r.user_name),
    role: text(r.role_name),
    object: text(r.object_name),
    queryId: text(r.query_id),
  }));
}

/** Per object and user: how many reads, first and last; sorted by object, then user. */
export function accessSummary(
  reads: readonly AccessRead[],
): Array<{ object: string; user: string; roles: string; reads: number; first: string; last: string }> {
  const groups = new Map<string, AccessRead[]>();
  for (const r of reads) {
    const key = `${r.object}\u0000${r.user}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()]
    .map((g) => {
      const times = g.map((r) => r.readAt).sort();
      return {
        object: g[0].object,
        user: g[0].user,
        roles: [...new Set(g.map((r) => r.role))].sort().join(', '),
        reads: g.length,
        first: times[0],
        last: times[times.length - 1],
      };
    })
    .sort((a, b) => a.object.localeCompare(b.object) || a.user.localeCompare(b.user));
}

/**
 * Who read which consumption object when, from the engine's access history. An engine without one
 * (DuckDB) is a BadInputError saying so, never an empty report.
 */
export async function readAccessReport(source: AuditSource, request: AccessReportRequest): Promise<AccessRead[]> {
  const governance = ENGINES.find((e) => e.dialect === source.dialect)?.governance;
  if (!governance?.accessHistory) {
    throw new BadInputError(governance?.noAccessHistory ?? `${source.dialect.name} keeps no access history`);
  }
  const { sql } = governance.accessHistory({
    since: request.since.toISOString(),
    until: request.until.toISOString(),
    schemas: request.schemas,
    includePlatform: request.includePlatform === true,
  });
  return accessReads(await source.query(sql));
}

import type { DuckDBConnection } from '@duckdb/node-api';

/** Temp tables one load uses; dropped when it ends. */
export interface LoadNames {
  stage: string;
  rejects: string;
  scans: string;
}

/** Inserts lines the caller took out before reading, in batches; values are bound (a line may hold any bytes, NUL included). */
export async function insertRejectedLines(
  conn: DuckDBConnection,
  into: string,
  lines: ReadonlyArray<{ line: number; text: string; reason: string }>,
  placeholders: () => string,
): Promise<void> {
  for (let i = 0; i < lines.length; i += 500) {
    const batch = lines.slice(i, i + 500);
    await conn.run(
      `INSERT INTO ${into} VALUES ${batch.map(placeholders).join(', ')}`,
      batch.flatMap((r) => [r.line, r.text, r.reason]),
    );
  }
}

import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileStamp, type DataInterval } from '../../lib/intervals';
import { classified } from '../errors';
import { withHeartbeat } from '../heartbeat';
import type { Warehouse } from '../warehouse';

/** What the export activities need from the worker. */
export interface ExportDeps {
  warehouse: Warehouse;
  /** Root folder of exported tables. */
  exportDir: string;
}

/** One mart's export. */
export interface MartExportResult {
  mart: string;
  path: string;
  rows: number;
  bytes: number;
}

/** Builds the export activities over a warehouse and an export folder. */
export function createExportActivities(deps: ExportDeps) {
  return {
    /**
     * Writes `marts.<mart>` as Parquet to `<export>/<mart>/interval=<stamp>/part-0.parquet`. The file
     * is written beside its final name and renamed, so a crash never leaves a partial file visible and
     * a retry simply replaces it.
     */
    async exportMart(input: { mart: string; interval: DataInterval }): Promise<MartExportResult> {
      const w = deps.warehouse;
      const ref = { schema: 'marts', table: input.mart };
      const dir = join(deps.exportDir, input.mart, `interval=${fileStamp(input.interval.start)}`);
      const path = join(dir, 'part-0.parquet');
      const staging = `${path}.inprogress`;
      return classified(`exporting marts.${input.mart}`, () =>
        withHeartbeat(async () => {
          mkdirSync(dir, { recursive: true });
          rmSync(staging, { force: true });
          await w.execute(w.dialect.copyToParquet(`SELECT * FROM ${w.dialect.table(ref)}`, staging));
          renameSync(staging, path);
          const [row] = await w.query<{ n: string }>(`SELECT count(*) AS n FROM ${w.dialect.table(ref)}`);
          return { mart: input.mart, path, rows: Number(row.n), bytes: statSync(path).size };
        }),
      );
    },
  };
}

/** The export activities as the worker registers them. */
export type ExportActivities = ReturnType<typeof createExportActivities>;

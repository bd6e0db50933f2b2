import { z } from 'zod';
import { envVarName } from './tls-schema';

/** An OpenLineage HTTP endpoint (Marquez, DataHub): events are POSTed as JSON to `url` + `endpoint`. */
export const lineageHttpSchema = z
  .object({
    /** The server's base URL, e.g. `http://127.0.0.1:5000` (Marquez), or… */
    url: z.string().url().optional(),
    /** …the environment variable holding it. */
    urlEnv: envVarName.optional(),
    /** @default /api/v1/lineage (Marquez, and DataHub's OpenLineage endpoint under `/openapi`) */
    endpoint: z.string().startsWith('/').default('/api/v1/lineage'),
    /** Variable holding an API key, sent as `Authorization: Bearer`. */
    apiKeyEnv: envVarName.optional(),
    /** Upper bound of one POST. @default 5 */
    timeoutSeconds: z.number().positive().max(60).default(5),
    /** Further attempts after a failed POST (network error, 5xx, 429); then the events are dropped and logged. @default 2 */
    retries: z.number().int().min(0).max(5).default(2),
  })
  .strict()
  .refine((h) => (h.url === undefined) !== (h.urlEnv === undefined), {
    path: ['url'],
    message: 'set exactly one of url and urlEnv',
  });
/** The lineage HTTP transport after defaults. */
export type LineageHttpConfig = z.infer<typeof lineageHttpSchema>;

/** The `lineage` section: OpenLineage run events of every pipeline run, step and dbt node (docs/lineage.md). */
export const lineageSchema = z
  .object({
    /** Namespace of the jobs (pipeline runs, steps, dbt nodes). @default edp */
    namespace: z.string().min(1).default('edp'),
    /** Post events to an OpenLineage server. */
    http: lineageHttpSchema.optional(),
    /** Append events, one JSON object per line, to this file (relative paths: in `stateDir`). */
    file: z.string().min(1).optional(),
    /** Namespace of the warehouse's datasets; the engine's (`duckdb://<file>`, `snowflake://<account>`) when unset. */
    datasetNamespace: z.string().min(1).optional(),
  })
  .strict()
  .default({});
/** The `lineage` section after defaults. */
export type LineageConfig = z.infer<typeof lineageSchema>;

/** True when lineage events go anywhere (an endpoint or a file). */
export function lineageEnabled(lineage: LineageConfig): boolean {
  return lineage.http !== undefined || lineage.file !== undefined;
}

import type { z } from 'zod';
import { warehouseSchema } from '../activities/warehouse/warehouse-config';
import { edpConfigSchema } from '../lib/config/schema';

/**
 * The whole EDP configuration: what `edp.config.yaml` plus `EDP_*` environment overrides must satisfy.
 * Assembled here because its warehouse section comes from the engines (activities/), which lib/ cannot import.
 */
export const configSchema = edpConfigSchema(warehouseSchema);

/** The configuration as written (before defaults). */
export type ConfigInput = z.input<typeof configSchema>;
/** The validated configuration, with defaults applied and relative paths resolved. */
export type EdpConfig = z.infer<typeof configSchema>;

import { curationLayers, isLayerProblem } from '../../lib/config/realtime-layers';
import type { RealtimeConfig, RealtimeTableConfig } from '../../lib/config/realtime-schema';
import { RealtimeConfigError } from './realtime-sql';

/** A curation table in dependency order: where it is configured, its layer, and the curation tables it reads. */
export interface OrderedCurationTable {
  table: RealtimeTableConfig;
  /** Its index in `realtime.tables` (config keys name it). */
  index: number;
  /** 1 when it reads no curation table, else 1 + the highest layer it reads. */
  layer: number;
  reads: string[];
}

/**
 * The curation tables, each after the tables it reads. Config load refuses unknown names and cycles;
 * a config built another way gets the same error, naming the key.
 */
export function curationOrder(config: RealtimeConfig): OrderedCurationTable[] {
  const layers = curationLayers(config.tables);
  if (isLayerProblem(layers))
    throw new RealtimeConfigError(layers.message, { fix: `realtime.tables[${layers.index}].sql` });
  return layers.order.map((index) => {
    const table = config.tables[index];
    return { table, index, layer: layers.layer.get(table.name)!, reads: layers.reads.get(table.name)! };
  });
}

/** The tables to refresh so that every `due` one reads fresh data: the due tables and everything they read, in order. */
export function withUpstreams(
  ordered: readonly OrderedCurationTable[],
  due: ReadonlySet<string>,
): OrderedCurationTable[] {
  const needed = new Set(due);
  // Walk downstream to upstream: a needed table makes the tables it reads needed.
  for (const o of [...ordered].reverse()) if (needed.has(o.table.name)) for (const r of o.reads) needed.add(r);
  return ordered.filter((o) => needed.has(o.table.name));
}

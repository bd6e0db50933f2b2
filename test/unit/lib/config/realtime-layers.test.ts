import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { curationLayers, curationReads, isLayerProblem } from '../../../../lib/config/realtime-layers';
import { realtimeSchema } from '../../../../lib/config/realtime-schema';
import { ConfigError } from '../../../../lib/errors';
import { loadConfig } from '../../../../workers/config';
import { tmpDir } from '../../../helpers/tmp';

/** A layer-1 curation table over claims history and changes. */
const bottom = {
  name: 'claims_latest',
  columns: ['claim_id', 'status'],
  history: { table: 'raw.claims', changedAt: '_edp_loaded_at' },
  changes: { table: 'staging.claim_events', changedAt: '_edp_merged_at' },
  sql: 'select claim_id, status from {{ integration }}',
};
/** A curation table reading only other curation tables. */
const reading = (name: string, ...upstreams: string[]) => ({
  name,
  sql: `select * from ${upstreams.map((u) => `{{ curation.${u} }}`).join(' natural join ')}`,
});

/** Writes a config file with these realtime tables; the load's error (undefined when it loads). */
function loadError(tables: unknown[]): { file: string; error?: Error } {
  const file = join(tmpDir('edp-realtime-layers-'), 'edp.config.yaml');
  writeFileSync(file, stringify({ realtime: { tables } }));
  try {
    loadConfig({ file, env: {} });
    return { file };
  } catch (error) {
    return { file, error: error as Error };
  }
}

describe('curation tables reading curation tables', () => {
  it('lists the curation tables a SELECT reads, once each', () => {
    expect(curationReads('select * from {{curation.a}} join {{ curation.b }} using (k) join {{ curation.a }}')).toEqual(
      ['a', 'b'],
    );
    expect(curationReads('select * from {{ integration }}')).toEqual([]);
  });

  it('orders every table after the tables it reads, whatever the config order, with its layer', () => {
    const tables = [reading('top', 'middle', 'claims_latest'), reading('middle', 'claims_latest'), bottom];
    const layers = curationLayers(tables);
    if (isLayerProblem(layers)) throw new Error(layers.message);
    expect(layers.order.map((i) => tables[i].name)).toEqual(['claims_latest', 'middle', 'top']);
    expect(Object.fromEntries(layers.layer)).toEqual({ claims_latest: 1, middle: 2, top: 3 });
    expect(layers.reads.get('top')).toEqual(['middle', 'claims_latest']);
  });

  it('parses a table without an integration view when it reads curation tables', () => {
    const parsed = realtimeSchema.parse({ tables: [bottom, reading('per_member', 'claims_latest')] });
    expect(parsed.tables[1]).toMatchObject({ name: 'per_member', refresh: 'full' });
    expect(parsed.tables[1].history).toBeUndefined();
  });

  it('refuses a cycle at config load, naming the file and the key', () => {
    const { file, error } = loadError([bottom, reading('a', 'b'), reading('b', 'claims_latest', 'a')]);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toContain(file);
    expect(error!.message).toContain('realtime.tables.1.sql: curation tables read each other in a cycle: a → b → a');
  });

  it('refuses a table reading itself or an unknown curation table at config load, naming the key', () => {
    expect(loadError([bottom, reading('self', 'self')]).error?.message).toContain(
      'realtime.tables.1.sql: curation tables read each other in a cycle: self → self',
    );
    expect(loadError([bottom, reading('top', 'claims_lates')]).error?.message).toContain(
      'realtime.tables.1.sql: {{ curation.claims_lates }} is not one of realtime.tables (by name)',
    );
  });

  it('refuses half an integration view, an integration placeholder without one, and incremental refresh without one', () => {
    const halfIntegration = { ...bottom, changes: undefined };
    expect(loadError([halfIntegration]).error?.message).toContain(
      'realtime.tables.0.changes: an integration view needs columns, history and changes',
    );
    expect(loadError([bottom, { name: 'x', sql: 'select * from {{ integration }}' }]).error?.message).toContain(
      'realtime.tables.1.sql: reads {{ integration }} but the table has no columns, history and changes',
    );
    expect(loadError([{ name: 'x', sql: 'select 1' }]).error?.message).toContain(
      'realtime.tables.0.sql: reads neither {{ integration }} nor a curation table',
    );
    expect(
      loadError([bottom, { ...reading('x', 'claims_latest'), refresh: 'incremental', key: ['claim_id'] }]).error
        ?.message,
    ).toContain('realtime.tables.1.refresh: refresh: incremental finds changed keys in the integration view');
  });
});

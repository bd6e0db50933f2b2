import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError } from '../../../../lib/errors';
import { loadConfig } from '../../../../workers/config';
import { tmpDir } from '../../../helpers/tmp';

const members = { name: 'members', pattern: 'members_{interval}.csv', columns: { member_id: 'string' } };
const source = {
  name: 'operational',
  kind: 'postgres',
  database: 'operational',
  user: 'edp',
  tables: [{ name: 'plans', mode: 'full', columns: { plan_id: 'string' } }],
};
const topic = (table: string) => ({
  topic: `edp.cdc.public.${table}`,
  table,
  format: 'debezium',
  columns: { member_id: 'string', plan_id: 'string' },
  key: ['member_id'],
});

/** Writes a config file streaming into `tables`; its path and the load's error (undefined when it loads). */
function load(tables: string[]): { file: string; error?: Error } {
  const file = join(tmpDir('edp-streamed-tables-'), 'edp.config.yaml');
  writeFileSync(
    file,
    stringify({ landing: { entities: [members] }, sources: [source], streaming: { topics: tables.map(topic) } }),
  );
  try {
    loadConfig({ file, env: {} });
    return { file };
  } catch (error) {
    return { file, error: error as Error };
  }
}

describe('streamed tables against batch raw tables', () => {
  it('loads a streamed table with a name of its own', () => {
    expect(load(['member_updates']).error).toBeUndefined();
  });

  it.each([
    ['members', 'streaming.topics.1.table', /raw\.members is the batch table landing\.entities\[0\] \(members\) loads/],
    [
      'operational_plans',
      'streaming.topics.1.table',
      /raw\.operational_plans is the batch table sources\[0\]\.tables\[0\] \(operational\.plans\) loads/,
    ],
  ])('refuses streamed table %s with the file, the key and the reason', (table, key, reason) => {
    const { file, error } = load(['member_updates', table]);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toContain(file);
    const line = error!.message.split('\n').find((l) => l.includes(key));
    expect(line).toMatch(reason);
    expect(line).toMatch(/needs a name of its own/);
  });
});

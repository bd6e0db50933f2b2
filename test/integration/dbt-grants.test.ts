import { DuckDbWarehouse, type Warehouse } from '../../activities/warehouse';
import { buildInOrder } from '../helpers/dbt-build';
import { openFakesnow } from '../helpers/fakesnow';
import { writeFiles, writeProject } from '../unit/activities/transform/helpers';

/** Project-level grants (`+grants`), a model adding a grantee (`+select`), an incremental model keeping its table. */
const project = (eventsReader: string) => ({
  'dbt_project.yml': 'name: g\nmodels:\n  g:\n    +grants:\n      select: [reporter]\n',
  'models/orders.sql': "{{ config(materialized='table', grants={'+select': ['analyst']}) }}\nselect 1 as id",
  'models/events.sql': [
    `{{ config(materialized='incremental', unique_key='id', grants={'select': ['${eventsReader}']}) }}`,
    'select 1 as id',
  ].join('\n'),
  'models/plain.sql': "{{ config(materialized='view', grants={'select': []}) }}\nselect 1 as id",
});

/** The warehouse, with every statement and query it runs recorded (the statements pass through unchanged). */
function recording(w: Warehouse): { warehouse: Warehouse; executed: string[] } {
  const executed: string[] = [];
  const warehouse = new Proxy(w, {
    get(target, key, receiver) {
      if (key === 'execute' || key === 'query') {
        return (sql: string, params?: unknown[]) => {
          executed.push(sql);
          return key === 'execute' ? target.execute(sql, params as never) : target.query(sql, params as never);
        };
      }
      const v: unknown = Reflect.get(target, key, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { warehouse, executed };
}

const dcl = (executed: string[]) => executed.filter((s) => /^(grant|revoke) /.test(s));

describe('dbt grants', () => {
  it('on Snowflake: granted after the build, per grantee; a kept table has removed grants revoked (stand-in)', async () => {
    const w = await openFakesnow(`edp_grants_${process.pid}`);
    try {
      const { warehouse, executed } = recording(w);
      const dir = writeProject(project('reporter'));
      const target = { type: 'snowflake', schema: 'analytics' };
      const first = await buildInOrder(warehouse, dir, target, 'grants-1');
      expect(dcl(executed)).toEqual([
        'grant select on "ANALYTICS"."EVENTS" to role reporter',
        'grant select on "ANALYTICS"."ORDERS" to role reporter',
        'grant select on "ANALYTICS"."ORDERS" to role analyst',
      ]);
      expect(first.results.orders.grants).toEqual({
        config: { select: ['reporter', 'analyst'] },
        statements: [
          'grant select on "ANALYTICS"."ORDERS" to role reporter',
          'grant select on "ANALYTICS"."ORDERS" to role analyst',
        ],
      });
      expect(first.results.plain.grants).toBeUndefined();
      const shown = await w.query('show grants on "ANALYTICS"."ORDERS"');
      expect(shown.map((r) => `${String(r.privilege)} ${String(r.grantee_name)}`).sort()).toEqual([
        'SELECT ANALYST',
        'SELECT REPORTER',
      ]);

      // The incremental table is kept: its grants are read and only the change runs.
      executed.length = 0;
      writeFiles(dir, project('transformer'));
      await buildInOrder(warehouse, dir, target, 'grants-2');
      expect(dcl(executed).filter((s) => s.includes('EVENTS'))).toEqual([
        'revoke select on "ANALYTICS"."EVENTS" from role REPORTER',
        'grant select on "ANALYTICS"."EVENTS" to role transformer',
      ]);
      expect(executed).toContain('show grants on "ANALYTICS"."EVENTS"');
    } finally {
      await w.close();
    }
  });

  it('on DuckDB: recorded in the result, nothing run (dbt-duckdb only warns)', async () => {
    const w = await DuckDbWarehouse.open({ path: ':memory:' });
    try {
      const { warehouse, executed } = recording(w);
      const { results, manifest } = await buildInOrder(warehouse, writeProject(project('reporter')), {}, 'grants-d');
      expect(results.orders).toMatchObject({
        status: 'success',
        grants: { config: { select: ['reporter', 'analyst'] }, statements: [] },
      });
      expect(dcl(executed)).toEqual([]);
      expect(manifest.nodes['model.g.events'].config.grants).toEqual({ select: ['reporter'] });
    } finally {
      await w.close();
    }
  });
});

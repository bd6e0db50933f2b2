import { singleWriterOf } from '../../activities/warehouse/warehouse-config';
import { DuckDbWarehouse } from '../../activities/warehouse';
import type { Row } from '../../activities/warehouse/warehouse';
import { openWarehouseReader, withWorker } from '../../cli/session';
import { landSample, runInterval, testClient, testConfig } from '../helpers/platform';

const interval = { start: '2026-10-19T08:00:00.000Z', end: '2026-10-19T12:00:00.000Z' };

/** What the portal showed before its rows were stored: the marts joined at read time (the former view). */
const JOINED_AT_READ_TIME = `
  with feeds as (
    select max(_edp_loaded_at) as loaded_at from raw.members
    union all select max(_edp_loaded_at) from raw.eligibility
    union all select max(_edp_loaded_at) from raw.claims
    union all select max(_edp_loaded_at) from raw.accumulators
  )
  select e.member_id, e.plan_id, e.eligibility_status, e.coverage_start, e.coverage_end, e.as_of_date,
    coalesce(s.claims, 0) as claims, coalesce(o.open_claims, 0) as open_claims,
    coalesce(s.billed_amount, 0) as billed_amount, coalesce(s.paid_amount, 0) as paid_amount,
    o.oldest_open_service_date, d.plan_year, d.deductible, d.deductible_remaining, d.out_of_pocket_max,
    d.out_of_pocket_remaining, (select min(loaded_at) from feeds) as data_loaded_at
  from marts.mart_eligibility_status e
  left join marts.member_claims_summary s on s.member_id = e.member_id
  left join marts.mart_open_claims o on o.member_id = e.member_id
  left join marts.mart_deductible_remaining d on d.member_id = e.member_id
  order by e.member_id`;

const STORED_COLUMNS = `member_id, plan_id, eligibility_status, coverage_start, coverage_end, as_of_date, claims,
  open_claims, billed_amount, paid_amount, oldest_open_service_date, plan_year, deductible, deductible_remaining,
  out_of_pocket_max, out_of_pocket_remaining, data_loaded_at`;

/**
 * The member portal's lookup after a real pipeline run (dev server, DuckDB): one member's row is read from
 * one stored table built with the marts (no join and no raw scan per lookup), holds what joining the marts
 * gives, is served the same through the worker's query server, and its freshness follows the clock at read time.
 */
describe('member portal lookup (dev server, DuckDB, worker query server)', () => {
  const loaded = testConfig('portal-lookup');
  const file = singleWriterOf(loaded.config.warehouse)!.file;
  const lookup = (member: string) => `select * from consumption.member_portal_summary where member_id = '${member}'`;

  beforeAll(async () => {
    await landSample(loaded, interval, { members: 120, providers: 10, claimsPerInterval: 600 });
    const { client, close } = await testClient(loaded.config);
    try {
      expect(await runInterval(client, loaded.config, interval)).not.toBe('failed');
    } finally {
      await close();
    }
  }, 600_000);

  it('reads one stored table per lookup, holding what the marts joined give, the same through the worker', async () => {
    const w = await DuckDbWarehouse.open({ path: file });
    let member: string;
    let direct: Row[];
    try {
      const stored = await w.query(
        `select ${STORED_COLUMNS} from consumption.member_portal_summary order by member_id`,
      );
      expect(stored.length).toBeGreaterThan(100);
      expect(stored).toEqual(await w.query(JOINED_AT_READ_TIME));
      member = String(stored[37].member_id);
      direct = await w.query(lookup(member));
      const [plan] = await w.query<{ explain_value: string }>(`explain ${lookup(member)}`);
      expect(plan.explain_value).toContain('mart_member_portal');
      expect(plan.explain_value).not.toMatch(/JOIN|CROSS_PRODUCT/);
      for (const joined of ['mart_eligibility_status', 'member_claims_summary', 'mart_open_claims']) {
        expect(plan.explain_value).not.toContain(joined);
      }
    } finally {
      await w.close();
    }
    const served = await withWorker(
      loaded.config,
      async () => {
        const access = await openWarehouseReader(loaded.config);
        try {
          return await access.reader.query(lookup(member));
        } finally {
          await access.close();
        }
      },
      () => {},
    );
    expect(served).toEqual([{ ...direct[0], hours_since_load: expect.any(Number) }]);
    expect(served[0].member_id).toBe(member);
  }, 300_000);

  it('answers a lookup from the index on member_id, not by scanning the stored table', async () => {
    const w = await DuckDbWarehouse.open({ path: file });
    try {
      const [member] = await w.query<{ member_id: string }>(
        'select member_id from marts.mart_member_portal order by member_id limit 1 offset 41',
      );
      const [plan] = await w.query<{ explain_value: string }>(`explain analyze ${lookup(member.member_id)}`);
      expect(plan.explain_value).toContain('mart_member_portal');
      expect(plan.explain_value).toMatch(/Type: Index Scan/);
      expect(plan.explain_value).not.toMatch(/Sequential Scan/);
    } finally {
      await w.close();
    }
  });

  it('computes hours_since_load and is_fresh at read time from the stored data_loaded_at', async () => {
    const w = await DuckDbWarehouse.open({ path: file });
    try {
      const freshness = `select count(*) as members, count(*) filter (is_fresh) as fresh,
          max(abs(hours_since_load - epoch(now() - data_loaded_at) / 3600)) as off
        from consumption.member_portal_summary`;
      const [now] = await w.query<{ members: string; fresh: string; off: number }>(freshness);
      expect(Number(now.fresh)).toBe(Number(now.members));
      expect(now.off).toBeLessThanOrEqual(0.01);
      // Nine hours older than the 8-hour threshold allows: the same stored rows read as stale, at once.
      await w.execute(`update marts.mart_member_portal set data_loaded_at = data_loaded_at - interval 9 hours`);
      const [later] = await w.query<{ members: string; fresh: string; off: number }>(freshness);
      expect(Number(later.fresh)).toBe(0);
      expect(later.off).toBeLessThanOrEqual(0.01);
      const [hours] = await w.query<{ h: number }>(
        'select min(hours_since_load) as h from consumption.member_portal_summary',
      );
      expect(hours.h).toBeGreaterThanOrEqual(9);
    } finally {
      await w.close();
    }
  });
});

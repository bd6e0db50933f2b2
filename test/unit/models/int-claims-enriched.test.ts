import { join } from 'node:path';
import { DuckDbWarehouse, type Warehouse } from '../../../activities/warehouse';
import { loadConfig } from '../../../workers/config';
import { platformMemberRow, runPlatformModels } from '../../helpers/platform-models';
import { loadRawRows } from '../../helpers/raw-load';
import { tmpDir } from '../../helpers/tmp';

const REPO = join(__dirname, '..', '..', '..');
const entity = (name: string) =>
  loadConfig({ file: join(REPO, 'edp.config.yaml'), env: {} }).config.landing.entities.find((e) => e.name === name)!;
const audit = { _edp_interval_start: { value: '2026-03-01T00:00:00Z', type: 'timestamp' as const } };

let w: Warehouse;
beforeAll(async () => {
  w = await DuckDbWarehouse.open({ path: join(tmpDir(), 'u.duckdb') });
});
afterAll(() => w.close());

async function load(table: string, rows: object[]): Promise<void> {
  const e = entity(table);
  await loadRawRows(w, { table, columns: e.columns, required: e.required ?? [], rows, audit });
}

describe('the platform project: int_claims_enriched', () => {
  it('is a view over stg_claims joined to members and providers (storing its rows cost more than its readers pay)', async () => {
    await load('members', [platformMemberRow('M1')]);
    await load('providers', [
      { provider_id: 'P1', provider_name: 'Clinic', specialty: 'GP', network_status: 'in_network' },
    ]);
    const claim = { service_date: '2026-02-01', billed_amount: 10, paid_amount: 5, claim_status: 'paid' };
    await load('claims', [
      { claim_id: 'C1', member_id: 'M1', provider_id: 'P1', ...claim },
      { claim_id: 'C2', member_id: 'M9', provider_id: 'P1', ...claim },
      { claim_id: 'C3', member_id: 'M1', provider_id: 'P9', ...claim },
    ]);
    await runPlatformModels(w, ['+int_claims_enriched'], {}, 'int-claims-enriched');
    const [kind] = await w.query<{ table_type: string }>(
      "SELECT table_type FROM information_schema.tables WHERE table_schema = 'intermediate' AND table_name = 'int_claims_enriched'",
    );
    expect(kind.table_type).toBe('VIEW');
    const rows = await w.query(
      'SELECT claim_id, member_id, plan_id, in_network FROM intermediate.int_claims_enriched ORDER BY claim_id',
    );
    expect(rows).toEqual([
      { claim_id: 'C1', member_id: 'M1', plan_id: 'PLN-GOLD', in_network: true },
      { claim_id: 'C3', member_id: 'M1', plan_id: 'PLN-GOLD', in_network: null },
    ]);
  });
});

import { join } from 'node:path';
import { createTransformActivities } from '../../activities/transform';
import type { Warehouse } from '../../activities/warehouse';

/** The platform's own dbt project (models/). */
export const PLATFORM_MODELS = join(__dirname, '..', '..', 'models');

/** Runs the platform project's nodes `select` picks (dbt selectors) on `w`, one by one, each expected to succeed. */
export async function runPlatformModels(
  w: Warehouse,
  select: string[],
  vars: Record<string, unknown>,
  invocationId: string,
): Promise<void> {
  const acts = createTransformActivities({ warehouse: w, projectDir: PLATFORM_MODELS, target: { type: 'duckdb' } });
  const plan = await acts.planTransform({ command: 'run', select, vars });
  for (const n of plan.nodes) {
    const r = await acts.runNode({
      manifestFile: plan.manifestFile,
      checksum: plan.checksum,
      nodeId: n.id,
      invocationId,
      runStartedAt: new Date().toISOString(),
    });
    expect(r.status).toBe('success');
  }
}

/** A row of the platform's members landing file, for member `memberId`. */
export function platformMemberRow(memberId: string): Record<string, string | null> {
  return {
    member_id: memberId,
    first_name: 'Ann',
    last_name: 'Lee',
    birth_date: '1980-01-01',
    plan_id: 'PLN-GOLD',
    coverage_start: '2026-01-01',
    coverage_end: null,
  };
}

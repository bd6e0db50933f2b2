import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findCommand } from '../../../cli/commands';
import { pipelinesList, pipelinesShow, pipelineView } from '../../../cli/pipelines-command';
import { loadConfig } from '../../../workers/config';
import { tmpDir } from '../../helpers/tmp';

const file = join(tmpDir(), 'edp.config.yaml');
writeFileSync(
  file,
  [
    'pipeline:',
    '  name: claims',
    '  intervalHours: 6',
    '  schedule: { offsetMinutes: 15, paused: true }',
    'export:',
    '  marts: [{ name: member_claims_summary, mode: overwrite }]',
  ].join('\n'),
);
const config = loadConfig({ file, env: {} }).config;
const at = new Date('2026-03-04T13:30Z');

describe('edp pipelines', () => {
  it('shows the configured pipeline’s schedule, its steps in order and the ids of the interval a run at a time covers', () => {
    const v = pipelineView(config, at);
    expect(v).toMatchObject({
      name: 'claims',
      schedule: 'every 6 h + 15 min, overlap bufferOne, catch-up window 1440 min, created paused',
      scheduleId: 'edp-pipeline-claims-schedule',
      scheduledRunId: 'edp-pipeline-claims-<scheduled time>',
      interval: { start: '2026-03-04T06:00:00.000Z', end: '2026-03-04T12:00:00.000Z' },
      runId: 'edp-pipeline-claims-2026-03-04T12:15:00Z',
    });
    expect(v.steps.map((s) => [s.step, s.workflowType, s.workflowId])).toEqual([
      ['ingest', 'batchIngest', 'edp-ingest-claims-2026-03-04T06:00Z'],
      ['transform', 'transform', 'edp-transform-claims-2026-03-04T06:00Z'],
      ['quality', 'qualityGate', 'edp-quality-claims-2026-03-04T06:00Z'],
      ['export', 'databricksExport', 'edp-export-claims-2026-03-04T06:00Z'],
    ]);
    expect(v.steps[3].does).toBe('marts member_claims_summary (overwrite)');
    expect(v.steps[1].does).toMatch(/^dbt project .*models, 4 threads$/);
  });

  it('lists it in one row and shows it by name, refusing a name the config does not have', () => {
    const out = jest.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(pipelinesList(config, at)).toBe(0);
      expect(out.mock.calls[0][0]).toMatch(
        /\nclaims +every 6 h .* +ingest → transform → quality → export +edp-pipeline-claims-schedule$/,
      );
      out.mockClear();
      expect(pipelinesShow(config, 'claims', at)).toBe(0);
      expect(pipelinesShow(config, undefined, at)).toBe(0);
      const printed = out.mock.calls.map((c) => String(c[0])).join('\n');
      expect(printed).toContain('edp-pipeline-claims-2026-03-04T12:15:00Z');
      expect(printed).toMatch(/\nquality +qualityGate +edp-quality-claims-2026-03-04T06:00Z +rule files in /);
      expect(() => pipelinesShow(config, 'finance', at)).toThrow(
        'no pipeline named finance; this config has one: claims',
      );
    } finally {
      out.mockRestore();
    }
  });

  it('is registered as a command', () => {
    expect(findCommand('pipelines')?.help[0][0]).toBe('pipelines list | show [name]');
  });
});

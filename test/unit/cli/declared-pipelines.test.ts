import { findCommand } from '../../../cli/commands';
import { nextFireTimes, pipelineGraph } from '../../../cli/declared-pipelines';
import { pipelinesList, pipelinesShow } from '../../../cli/pipelines-command';
import { pipelineRunInput, scheduleSpecOf } from '../../../workers/pipeline-input';
import { planScheduleOf } from '../../../workers/pipeline-plans';
import { configOf } from '../../helpers/pipeline-env';

const landing = { entities: [{ name: 'claims', pattern: 'claims_{interval}.csv', columns: { claim_id: 'string' } }] };
const config = configOf({
  landing,
  pipelines: [
    {
      name: 'claims',
      schedule: { every: '4h' },
      steps: [
        { name: 'land', kind: 'ingest', entities: ['claims'] },
        { name: 'left', kind: 'sql', sql: 'select 1', dependsOn: ['land'] },
        { name: 'right', kind: 'sql', sql: 'select 2', dependsOn: ['land'] },
        { name: 'join', kind: 'sql', sql: 'select 3', dependsOn: ['left', 'right'] },
      ],
    },
    {
      name: 'finance',
      schedule: { cron: '0 6 * * 1-5', timezone: 'America/New_York', overlap: 'skip', catchupWindowMinutes: 60 },
      steps: [{ name: 'build', kind: 'transform', threads: 2 }],
    },
    {
      name: 'marts',
      triggers: [{ tables: ['raw.claims'] }],
      steps: [{ name: 'publish', kind: 'export', marts: ['member_claims_summary'] }],
    },
  ],
});
const at = new Date('2026-03-06T12:00Z');

describe('declared pipelines in the CLI', () => {
  it('maps each schedule to a Temporal spec: every in UTC as an interval, a cron with its zone', () => {
    expect(scheduleSpecOf(planScheduleOf(config.pipelines[0].schedule!))).toEqual({
      intervals: [{ every: 4 * 3_600_000, offset: 0 }],
    });
    expect(scheduleSpecOf(planScheduleOf(config.pipelines[1].schedule!))).toEqual({
      cronExpressions: ['0 6 * * 1-5'],
      timezone: 'America/New_York',
    });
    expect(planScheduleOf({ ...config.pipelines[0].schedule!, every: '6h', timezone: 'Asia/Kolkata' })).toEqual({
      kind: 'cron',
      cron: '0 */6 * * *',
      timezone: 'Asia/Kolkata',
    });
  });

  it('resolves a plan with the downstream pipelines its produced tables trigger', () => {
    const { plan } = pipelineRunInput(config, 'claims');
    expect(plan.steps[0]).toMatchObject({ kind: 'ingest', entities: ['claims'], produces: ['raw.claims'] });
    expect(plan.downstream).toEqual([{ tables: ['raw.claims'], plan: expect.objectContaining({ pipeline: 'marts' }) }]);
    expect(pipelineRunInput(config, 'finance').plan.schedule).toEqual({
      kind: 'cron',
      cron: '0 6 * * 1-5',
      timezone: 'America/New_York',
    });
  });

  it('draws the DAG layer by layer, with what it triggers, and as Graphviz', () => {
    expect(pipelineGraph(config, 'claims', false)).toBe(
      [
        'pipeline claims',
        '  1. land [ingest]',
        '  2. left [sql] ← land   right [sql] ← land',
        '  3. join [sql] ← left, right',
        '  ⇒ starts pipeline marts when raw.claims changes',
      ].join('\n'),
    );
    expect(pipelineGraph(config, 'claims', true)).toContain('  left -> join;');
    expect(pipelineGraph(config, 'platform', false)).toContain('  4. export [export] ← quality');
  });

  it('draws the declared pipelines the platform pipeline’s steps trigger', () => {
    const withTrigger = configOf({
      landing,
      pipelines: [
        {
          name: 'rollup',
          triggers: [{ pipeline: 'platform', step: 'transform' }],
          steps: [{ name: 'r', kind: 'sql', sql: 'select 1' }],
        },
      ],
    });
    expect(pipelineGraph(withTrigger, 'platform', false)).toContain('  ⇒ starts pipeline rollup after transform');
    expect(pipelineGraph(withTrigger, 'platform', true)).toContain('  transform -> "pipeline rollup" [style=dashed];');
  });

  it('lists every pipeline and shows a declared one with its next runs', () => {
    const out = jest.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(pipelinesList(config, at)).toBe(0);
      const listed = String(out.mock.calls[0][0]);
      expect(listed).toMatch(/\nfinance +cron "0 6 \* \* 1-5" America\/New_York, overlap skip/);
      expect(listed).toMatch(/\nmarts +no schedule +publish +none/);
      out.mockClear();
      expect(pipelinesShow(config, 'finance', at)).toBe(0);
      const shown = out.mock.calls.map((c) => String(c[0])).join('\n');
      expect(shown).toContain('2026-03-09T10:00:00.000Z'); // next run: Monday, after the DST change
      expect(shown).toContain('edp-step-finance-build-2026-03-06T11:00Z');
      expect(() => pipelinesShow(config, 'ghost', at)).toThrow(
        'no pipeline named ghost; this config has platform, claims, finance, marts',
      );
    } finally {
      out.mockRestore();
    }
  });

  it('gives the next fire times of a cron across a weekend', () => {
    const next = nextFireTimes({ kind: 'cron', cron: '0 6 * * 1-5', timezone: 'America/New_York' }, at, 2);
    expect(next.map((d) => d.toISOString())).toEqual(['2026-03-09T10:00:00.000Z', '2026-03-10T10:00:00.000Z']);
  });

  it('takes a pipeline name, --vars and --full-refresh on edp run, and graph on edp pipelines', () => {
    expect(findCommand('run')?.options).toMatchObject({
      vars: { type: 'string' },
      'full-refresh': { type: 'boolean' },
    });
    expect(findCommand('pipelines')?.help[1][0]).toBe('pipelines graph <name> [--dot]');
  });
});

import {
  dbtWorkflowId,
  ingestBatchWorkflowId,
  PIPELINE_STEPS,
  pipelineScheduleId,
  pipelineWorkflowId,
  qualityRunWorkflowId,
  scheduledPipelineIdPrefix,
  slaCheckWorkflowId,
  stepWorkflowId,
  streamBackfillWorkflowId,
  streamWorkflowId,
  UNNAMED_PIPELINE_SCHEDULE_ID,
  unnamedStepWorkflowId,
} from '../../../lib/ids';
import { makeInterval } from '../../../lib/intervals';

// Ids are a contract (open runs are found by id, histories record them): these are the exact strings.
describe('workflow ids', () => {
  const interval = makeInterval(new Date('2026-01-01T04:00Z'), new Date('2026-01-01T08:00Z'));
  const at = new Date('2026-03-04T05:06:07.089Z');

  it('names a pipeline run, its steps and their child batches by pipeline and interval', () => {
    expect(pipelineWorkflowId('platform', interval)).toBe('edp-pipeline-platform-2026-01-01T08:00:00Z');
    expect(stepWorkflowId('platform', 'quality', interval)).toBe('edp-quality-platform-2026-01-01T04:00Z');
    expect(ingestBatchWorkflowId(stepWorkflowId('platform', 'ingest', interval), 12)).toBe(
      'edp-ingest-platform-2026-01-01T04:00Z-batch-0012',
    );
  });

  it('names a pipeline’s schedule and its scheduled runs by pipeline', () => {
    expect(pipelineScheduleId('claims')).toBe('edp-pipeline-claims-schedule');
    expect(scheduledPipelineIdPrefix('claims')).toBe('edp-pipeline-claims');
  });

  it('gives an interval one run id, started by hand or by its Schedule (which appends its start time)', () => {
    // Temporal names a scheduled run `<prefix>-<nominal time, RFC 3339>`; the nominal time is the end plus the offset.
    const scheduledRun = (offsetMinutes: number) =>
      `${scheduledPipelineIdPrefix('claims')}-${new Date(Date.parse(interval.end) + offsetMinutes * 60_000).toISOString().replace('.000Z', 'Z')}`;
    expect(pipelineWorkflowId('claims', interval)).toBe(scheduledRun(0));
    expect(pipelineWorkflowId('claims', interval, 15)).toBe(scheduledRun(15));
    expect(pipelineWorkflowId('claims', interval, 15)).toBe('edp-pipeline-claims-2026-01-01T08:15:00Z');
  });

  it('gives two pipelines different ids for the same interval', () => {
    const ids = (p: string) => [
      pipelineWorkflowId(p, interval),
      ...PIPELINE_STEPS.map((s) => stepWorkflowId(p, s, interval)),
      pipelineScheduleId(p),
      scheduledPipelineIdPrefix(p),
    ];
    const claims = ids('claims');
    expect(ids('finance').filter((id) => claims.includes(id))).toEqual([]);
  });

  it('keeps the ids of runs and the schedule from before pipeline names, for replay and migration', () => {
    expect(unnamedStepWorkflowId('ingest', interval)).toBe('edp-ingest-2026-01-01T04:00Z');
    expect(UNNAMED_PIPELINE_SCHEDULE_ID).toBe('edp-pipeline-schedule');
  });

  it('names manual runs by their start time', () => {
    expect(qualityRunWorkflowId(at)).toBe('edp-quality-manual-2026-03-04T05:06:07Z');
    expect(dbtWorkflowId('build', at, '3f9a')).toBe('edp-dbt-build-20260304T050607Z-3f9a');
    expect(slaCheckWorkflowId(at)).toBe(`edp-sla-check-manual-${at.getTime()}`);
    expect(streamBackfillWorkflowId('claims', at)).toBe(`edp-stream-backfill-claims-${at.getTime()}`);
    expect(streamWorkflowId('claims')).toBe('edp-stream-claims');
  });
});

import {
  dbtWorkflowId,
  ingestBatchWorkflowId,
  pipelineWorkflowId,
  qualityRunWorkflowId,
  slaCheckWorkflowId,
  stepWorkflowId,
  streamBackfillWorkflowId,
  streamWorkflowId,
} from '../../../lib/ids';
import { makeInterval } from '../../../lib/intervals';

// Ids are a contract (open runs are found by id, histories record them): these are the exact strings.
describe('workflow ids', () => {
  const interval = makeInterval(new Date('2026-01-01T04:00Z'), new Date('2026-01-01T08:00Z'));
  const at = new Date('2026-03-04T05:06:07.089Z');

  it('names a pipeline run, its steps and their child batches by interval', () => {
    expect(pipelineWorkflowId(interval)).toBe('edp-pipeline-2026-01-01T04:00Z');
    expect(stepWorkflowId('quality', interval)).toBe('edp-quality-2026-01-01T04:00Z');
    expect(ingestBatchWorkflowId(stepWorkflowId('ingest', interval), 12)).toBe(
      'edp-ingest-2026-01-01T04:00Z-batch-0012',
    );
  });

  it('names manual runs by their start time', () => {
    expect(qualityRunWorkflowId(at)).toBe('edp-quality-manual-2026-03-04T05:06:07Z');
    expect(dbtWorkflowId('build', at)).toBe('edp-dbt-build-2026-03-04T0506Z');
    expect(slaCheckWorkflowId(at)).toBe(`edp-sla-check-manual-${at.getTime()}`);
    expect(streamBackfillWorkflowId('claims', at)).toBe(`edp-stream-backfill-claims-${at.getTime()}`);
    expect(streamWorkflowId('claims')).toBe('edp-stream-claims');
  });
});

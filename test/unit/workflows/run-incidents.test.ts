import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, RetryState } from '@temporalio/common';
import { runIncidents } from '../../../workflows/run-incidents';
import type { QualityGateResult } from '../../../workflows/quality-gate';
import type { TransformResult } from '../../../workflows/transform';

const exhausted = new ChildWorkflowFailure(
  'default',
  { workflowId: 'edp-ingest-platform-2026-01-01T00:00Z', runId: 'r' },
  'batchIngest',
  RetryState.NON_RETRYABLE_FAILURE,
  new ActivityFailure(
    'activity failed',
    'extractSqlTable',
    '7',
    RetryState.MAXIMUM_ATTEMPTS_REACHED,
    'worker',
    ApplicationFailure.retryable('connect ECONNREFUSED 127.0.0.1:1 (Kofi Rossi)', 'Error'),
  ),
);

const transform: TransformResult = {
  failed: 1,
  models: [
    { model: 'stg_claims', id: 'model.edp.stg_claims', type: 'model', status: 'success', rows: 10 },
    { model: 'not_null_x', id: 'test.edp.not_null_x', type: 'test', status: 'fail', rows: 3, error: 'Kofi Rossi' },
    { model: 'unique_x', id: 'test.edp.unique_x', type: 'test', status: 'success', rows: 0 },
    { model: 'accepted_x', id: 'test.edp.accepted_x', type: 'test', status: 'skipped' },
    {
      model: 'fct',
      id: 'model.edp.fct',
      type: 'model',
      status: 'error',
      errorType: 'EdpWarehouseBusy',
      retriesExhausted: true,
    },
  ],
};

const blocked: QualityGateResult = {
  passed: false,
  runId: 'q',
  checks: 3,
  scores: [],
  warnings: [],
  blocking: [
    {
      table: 'marts.summary',
      rule: 'paid_within_billed',
      type: 'business',
      severity: 'error',
      passed: false,
      checkedRows: 300,
      failedRows: 2,
      message: '2 of 300 rows (0.67%) fail; allowed 0',
      sampleKeys: ['M0000001'],
    },
  ],
};

describe('run incidents (what a run found, what it checked)', () => {
  it('a run failing in ingest: the failure and the exhausted activity, error classes only', () => {
    const r = runIncidents({ status: 'failed', failedStep: 'ingest', error: exhausted });
    expect(r.found).toEqual([
      { kind: 'run-failed', subject: '', detail: 'step ingest failed (Error)' },
      {
        kind: 'retries-exhausted',
        subject: 'ingest:extractSqlTable',
        detail: 'extractSqlTable failed its last attempt (Error)',
      },
    ]);
    // Nothing downstream of ingest was looked at.
    expect(r.checked).toEqual([{ kind: 'run-failed' }]);
    expect(JSON.stringify(r)).not.toMatch(/Kofi|ECONNREFUSED/);
  });

  it('a run failing in transform: failed tests and nodes; passed tests and the steps before are checked', () => {
    const r = runIncidents({ status: 'failed', failedStep: 'transform', error: new Error('x'), transform });
    expect(r.found).toEqual([
      { kind: 'run-failed', subject: '', detail: 'step transform failed (2 nodes failed)' },
      { kind: 'test-failed', subject: 'test.edp.not_null_x', detail: '3 failing rows' },
      {
        kind: 'retries-exhausted',
        subject: 'transform:model.edp.fct',
        detail: 'model failed its last attempt (EdpWarehouseBusy)',
      },
    ]);
    expect(r.checked).toEqual([
      { kind: 'run-failed' },
      { kind: 'retries-exhausted', subjectPrefix: 'ingest:' },
      { kind: 'retries-exhausted', subjectPrefix: 'transform:' },
      { kind: 'test-failed', subject: 'test.edp.unique_x' },
    ]);
    expect(JSON.stringify(r)).not.toContain('Kofi');
  });

  it('a blocked run: the gate and each failing error rule, counts only; the run itself is fine', () => {
    const r = runIncidents({ status: 'blocked', transform: { failed: 0, models: [] }, quality: blocked });
    expect(r.found).toEqual([
      { kind: 'gate-blocked', subject: '', detail: '1 error-severity rule failed on 1 table' },
      { kind: 'rule-failed', subject: 'marts.summary:paid_within_billed', detail: 'business: 2 of 300 rows fail' },
    ]);
    expect(r.checked).toEqual(
      expect.arrayContaining([
        { kind: 'run-failed' },
        { kind: 'retries-exhausted' },
        { kind: 'gate-blocked' },
        { kind: 'rule-failed' },
      ]),
    );
    expect(JSON.stringify(r)).not.toContain('M0000001');
  });
});

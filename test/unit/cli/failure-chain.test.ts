import { WorkflowFailedError } from '@temporalio/client';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  RetryState,
} from '@temporalio/common';
import { describeFailure, failureReport, resultOrCause } from '../../../cli/failure-chain';
import { CliError } from '../../../cli/session';

/** A failure as the client receives it: workflow → child workflow → activity → the classified failure. */
const failed = (root: Error, retry: RetryState = RetryState.NON_RETRYABLE_FAILURE) =>
  new WorkflowFailedError(
    'Workflow execution failed',
    new ChildWorkflowFailure(
      'default',
      { workflowId: 'edp-ingest-platform-2026-01-01T04:00Z', runId: 'r' },
      'batchIngest',
      retry,
      new ActivityFailure('Activity task failed', 'extractSqlTable', '3', retry, 'worker', root),
    ),
    retry,
  );

describe('failure chain', () => {
  it('prints the root cause with its key and where it happened, never "Activity task failed"', () => {
    const err = failed(
      ApplicationFailure.nonRetryable('sources.operational.password: password authentication failed', 'EdpBadInput'),
    );
    expect(describeFailure(err)).toBe(
      'sources.operational.password: password authentication failed (EdpBadInput, not retried: a person must fix it)\n' +
        '  in workflow batchIngest edp-ingest-platform-2026-01-01T04:00Z → activity extractSqlTable',
    );
    expect(describeFailure(err)).not.toContain('Activity task failed');
  });

  it('says when retries ran out, and when a run was cancelled', () => {
    const gaveUp = failed(
      ApplicationFailure.retryable('connection reset', 'Error'),
      RetryState.MAXIMUM_ATTEMPTS_REACHED,
    );
    expect(describeFailure(gaveUp).split('\n')[0]).toBe('connection reset (Error, gave up after its last attempt)');
    const cancelled = new WorkflowFailedError(
      'Workflow execution cancelled',
      new CancelledFailure('Workflow cancelled'),
      RetryState.NON_RETRYABLE_FAILURE,
    );
    expect(failureReport(cancelled)).toMatchObject({ ending: 'cancelled', path: [] });
    expect(describeFailure(cancelled)).toBe('cancelled: Workflow cancelled');
  });

  it('turns a failed result into a CLI error naming the command, and leaves other errors alone', async () => {
    const err = failed(ApplicationFailure.nonRetryable("--select: '+no_such_model' matches nothing", 'EdpBadInput'));
    await expect(resultOrCause('build', Promise.reject(err))).rejects.toThrow(CliError);
    await expect(resultOrCause('build', Promise.reject(err))).rejects.toThrow(
      /^build failed: --select: '\+no_such_model' matches nothing \(EdpBadInput/,
    );
    await expect(resultOrCause('build', Promise.reject(new TypeError('x')))).rejects.toThrow(TypeError);
    await expect(resultOrCause('build', Promise.resolve(7))).resolves.toBe(7);
  });
});

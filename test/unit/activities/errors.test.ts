import { ApplicationFailure } from '@temporalio/common';
import { classifyError } from '../../../activities/errors';

describe('error classification', () => {
  it('makes bad SQL and missing files non-retryable, with context', () => {
    const sql = classifyError(new Error('Parser Error: syntax error at or near "selec"'), 'model x');
    expect(sql).toMatchObject({
      nonRetryable: true,
      type: 'EdpBadSql',
      message: 'model x: Parser Error: syntax error at or near "selec"',
    });
    const missing = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    expect(classifyError(missing, 'load')).toMatchObject({ nonRetryable: true, type: 'EdpBadInput' });
  });

  it('keeps transient failures retryable', () => {
    expect(classifyError(new Error('IO Error: connection reset'), 'x')).toMatchObject({ nonRetryable: false });
    const locked = Object.assign(new Error('held'), { name: 'WarehouseLockedError' });
    expect(classifyError(locked, 'x')).toMatchObject({ nonRetryable: false, type: 'EdpWarehouseBusy' });
  });

  it('passes an ApplicationFailure through unchanged', () => {
    const f = ApplicationFailure.nonRetryable('already classified');
    expect(classifyError(f, 'x')).toBe(f);
  });
});

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

  it('classifies Snowflake errors by code and SQLSTATE', () => {
    const sf = (code: string, sqlState: string | undefined, message: string) =>
      classifyError(Object.assign(new Error(message), { code, sqlState }), 'q');
    expect(sf('002003', '02000', "Table 'RAW.NOPE' does not exist or not authorized.")).toMatchObject({
      nonRetryable: true,
      type: 'EdpBadSql',
    });
    expect(sf('390100', '08004', 'Incorrect username or password was specified.')).toMatchObject({
      nonRetryable: true,
    });
    expect(sf('001003', '42000', 'SQL compilation error: syntax error')).toMatchObject({ nonRetryable: true });
    expect(sf('000630', '57014', 'Statement reached its statement or warehouse timeout')).toMatchObject({
      nonRetryable: false,
    });
    expect(sf('390114', '08001', 'Authentication token has expired.')).toMatchObject({ nonRetryable: false });
    // The driver's pool rethrows a refused login with its message only.
    expect(classifyError(new Error('JWT token is invalid.'), 'q')).toMatchObject({ nonRetryable: true });
    expect(classifyError(new Error('Incorrect username or password was specified.'), 'q')).toMatchObject({
      nonRetryable: true,
    });
  });

  it('makes S3 errors of an external stage non-retryable when only a person can fix them', () => {
    const s3 = (name: string) => classifyError(Object.assign(new Error(name), { name }), 'put');
    expect(s3('NoSuchBucket')).toMatchObject({ nonRetryable: true, type: 'EdpBadInput' });
    expect(s3('AccessDenied')).toMatchObject({ nonRetryable: true });
    expect(s3('PermanentRedirect')).toMatchObject({ nonRetryable: true }); // the region does not fit the bucket
    expect(classifyError(new Error('Region is missing'), 'put')).toMatchObject({ nonRetryable: true });
    expect(s3('SlowDown')).toMatchObject({ nonRetryable: false });
  });

  it('passes an ApplicationFailure through unchanged', () => {
    const f = ApplicationFailure.nonRetryable('already classified');
    expect(classifyError(f, 'x')).toBe(f);
  });
});

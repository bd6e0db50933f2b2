import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { runInNewContext } from 'node:vm';
import {
  BadInputError,
  classifiedActivities,
  classifyError,
  ConfigError,
  EdpError,
  ProjectError,
} from '../../../activities/errors';
import { WarehouseLockedError } from '../../../activities/warehouse';

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
    const locked = new WarehouseLockedError('held');
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

describe('the error family', () => {
  it('names the config key a person must fix, and is not retried', () => {
    const err = new ConfigError('"s3:/x" is not s3://bucket/prefix/', { fix: 'warehouse.snowflake.stage.url' });
    expect(err.message).toBe('warehouse.snowflake.stage.url: "s3:/x" is not s3://bucket/prefix/');
    expect(err).toMatchObject({ name: 'ConfigError', fix: 'warehouse.snowflake.stage.url' });
    expect(classifyError(err, 'loading a.csv')).toMatchObject({
      nonRetryable: true,
      type: 'EdpBadInput',
      message: 'loading a.csv: warehouse.snowflake.stage.url: "s3:/x" is not s3://bucket/prefix/',
    });
  });

  it('names the file and line of a project error', () => {
    const err = new ProjectError('unknown ref "stg_x"', { fix: 'models/marts/claims.sql:3' });
    expect(classifyError(err)).toMatchObject({
      nonRetryable: true,
      type: 'EdpBadInput',
      message: 'models/marts/claims.sql:3: unknown ref "stg_x"',
    });
  });

  it('keeps a retryable member retryable, under its own type', () => {
    const busy = new EdpError('version 3 was committed by another writer', {
      type: 'ConcurrentCommitError',
      retryable: true,
    });
    expect(classifyError(busy)).toMatchObject({ nonRetryable: false, type: 'ConcurrentCommitError' });
  });

  it('classifies by the marker, not the class name', () => {
    // A family member whose message looks like a DuckDB parser error is still what it says it is.
    const renamed = Object.assign(new BadInputError('Parser Error: in the rule file'), { name: 'Whatever' });
    expect(classifyError(renamed)).toMatchObject({ nonRetryable: true, type: 'EdpBadInput' });
    // A plain error named like a member is not one.
    const impostor = Object.assign(new Error('held'), { name: 'ConfigError' });
    expect(classifyError(impostor)).toMatchObject({ nonRetryable: false, type: 'ConfigError' });
  });

  it('recognises a member built by another copy of the module or in another realm', () => {
    let Other: typeof ConfigError | undefined;
    jest.isolateModules(() => {
      ({ ConfigError: Other } = jest.requireActual<typeof import('../../../lib/errors')>('../../../lib/errors'));
    });
    const copy = new Other!('not set', { fix: 'kafka.brokers' });
    expect(copy).not.toBeInstanceOf(ConfigError);
    expect(classifyError(copy, 'x')).toMatchObject({ nonRetryable: true, message: 'x: kafka.brokers: not set' });
    const foreign: unknown = runInNewContext(
      `Object.assign(new Error('locked'), { [Symbol.for('edp.error')]: true, type: 'EdpWarehouseBusy', retryable: true })`,
    );
    expect(foreign).not.toBeInstanceOf(Error);
    expect(classifyError(foreign)).toMatchObject({ nonRetryable: false, type: 'EdpWarehouseBusy', message: 'locked' });
  });

  it('puts every activity behind the boundary, leaving messages as they are', async () => {
    const acts = classifiedActivities({
      plan: () => Promise.reject(new ConfigError('unknown placeholder', { fix: 'realtime.tables[0].select' })),
      load: () => Promise.reject(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' })),
      done: (n: number) => Promise.resolve(n + 1),
      cancelled: () => Promise.reject(new CancelledFailure('CANCELLED')),
    });
    await expect(acts.plan()).rejects.toMatchObject({
      nonRetryable: true,
      message: 'realtime.tables[0].select: unknown placeholder',
    });
    await expect(acts.load()).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(acts.done(1)).resolves.toBe(2);
    // Temporal reports the activity cancelled, not failed, only if the CancelledFailure reaches it.
    await expect(acts.cancelled()).rejects.toBeInstanceOf(CancelledFailure);
  });
});

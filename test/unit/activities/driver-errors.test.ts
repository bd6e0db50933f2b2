import { DRIVER_ERROR_CLASSIFIERS } from '../../../activities/driver-errors';
import { classifyDuckDbError } from '../../../activities/warehouse/duckdb/duckdb-errors';
import { classifySnowflakeError } from '../../../activities/warehouse/snowflake/snowflake-errors';

const snowflake = (code: string, sqlState: string, message: string) =>
  Object.assign(new Error(message), { code, sqlState });

describe('driver error classifiers', () => {
  it('each judges only its own driver', () => {
    const parser = new Error('Parser Error: syntax error at or near "selec"');
    expect(classifyDuckDbError(parser)).toEqual({ type: 'EdpBadSql', retryable: false });
    expect(classifySnowflakeError(parser)).toBeUndefined();
    const missing = snowflake('002003', '02000', "Table 'RAW.NOPE' does not exist or not authorized.");
    expect(classifySnowflakeError(missing)).toEqual({ type: 'EdpBadSql', retryable: false });
    expect(classifyDuckDbError(missing)).toBeUndefined();
  });

  it('leave transient errors to the boundary', () => {
    const reset = new Error('IO Error: connection reset');
    const timeout = snowflake('000630', '57014', 'Statement reached its statement or warehouse timeout');
    for (const classify of DRIVER_ERROR_CLASSIFIERS) {
      expect(classify(reset)).toBeUndefined();
      expect(classify(timeout)).toBeUndefined();
    }
  });

  it('treat the external stage as Snowflake’s: S3 setup mistakes are bad input', () => {
    const noBucket = Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket' });
    expect(classifySnowflakeError(noBucket)).toEqual({ type: 'EdpBadInput', retryable: false });
    expect(classifySnowflakeError(Object.assign(new Error('slow'), { name: 'SlowDown' }))).toBeUndefined();
  });
});

import type { DriverErrorClassifier } from '../lib/errors';
import { classifyDuckDbError } from './warehouse/duckdb/duckdb-errors';
import { classifySnowflakeError } from './warehouse/snowflake/snowflake-errors';

/** Every warehouse driver's error classifier, asked in order by the activity boundary. */
export const DRIVER_ERROR_CLASSIFIERS: readonly DriverErrorClassifier[] = [classifyDuckDbError, classifySnowflakeError];

import { defineEngine } from '../engine';
import { snowflakeSecrets } from './snowflake-auth';
import { snowflakeConfigSchema } from './snowflake-config';
import { snowflakeDialect } from './snowflake-dialect';
import { snowflakeGovernance } from './snowflake-governance';
import { classifySnowflakeError } from './snowflake-errors';

/** Snowflake, the production warehouse: a connection pool per worker. */
export const snowflakeEngine = defineEngine({
  name: 'snowflake',
  configSchema: snowflakeConfigSchema,
  configNeeds: 'account, user, database, …',
  configChecks: [
    {
      valid: (sf) => !(sf.privateKeyFile && sf.privateKeyEnv),
      message: 'set privateKeyFile or privateKeyEnv, not both',
      path: ['privateKeyEnv'],
    },
    {
      valid: (sf) => !(sf.privateKeyPassphraseFile && sf.privateKeyPassphraseEnv),
      message: 'set privateKeyPassphraseFile or privateKeyPassphraseEnv, not both',
      path: ['privateKeyPassphraseEnv'],
    },
  ],
  dialect: snowflakeDialect,
  dbtType: 'snowflake',
  async open(sf, env) {
    const { privateKey, password } = snowflakeSecrets(sf, env);
    // The driver loads with the first warehouse opened: reading the config (every `edp` command) never needs it.
    const { SnowflakeWarehouse } = await import('./snowflake-warehouse');
    return SnowflakeWarehouse.open({
      account: sf.account,
      username: sf.user,
      password,
      privateKey,
      database: sf.database,
      schema: sf.schema,
      warehouse: sf.warehouse,
      role: sf.role,
      accessUrl: sf.accessUrl,
      poolMax: sf.poolMax,
      stage: sf.stage,
    });
  },
  computeWarehouse: (sf) => sf.warehouse,
  classifyError: classifySnowflakeError,
  governance: snowflakeGovernance,
  // OpenLineage's Snowflake naming: the account identifier (`<org>-<account>`) and `database.schema.table`.
  lineageNamespace: (sf) => ({ namespace: `snowflake://${sf.account.toLowerCase()}`, database: sf.database }),
  dbtAdapter: { appliesGrants: true, qualifiedRename: true },
});

/**
 * PHI governance (docs/security.md#governance): sensitivity tags on raw entity columns (config) and dbt
 * model columns (`meta`/`tags`) drive masking, row access and secure views through each engine's
 * `<engine>-governance.ts`; the access report reads who queried the consumption objects.
 */
export * from './column-tags';
export * from './governed-object';
export * from './govern';
export * from './govern-model';
export * from './access-report';

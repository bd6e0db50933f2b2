import type { MaskStyle, RowAccessRule } from '../../lib/config/schema';
import type { TableRef } from './sql-types';

/** How one tagged column is masked, and for whom it is not. */
export interface ColumnMask {
  name: string;
  /** The column's type as the engine reports it (`VARCHAR`, `TEXT`, `DATE`, `NUMBER(38,0)`, …). */
  engineType: string;
  tag: string;
  style: MaskStyle;
  /** `partial`: characters left visible at the end. */
  keep: number;
  /** Roles that see the column in clear. */
  unmaskedRoles: readonly string[];
}

/** A table or view put under governance: its tagged columns, row rule and whether the portal reads it. */
export interface GovernedObject {
  ref: TableRef;
  kind: 'table' | 'view';
  /** Every column, in order, with its engine type. */
  columns: ReadonlyArray<{ name: string; engineType: string }>;
  masks: readonly ColumnMask[];
  /** In one of `governance.consumptionSchemas`: what the portal and other readers query. */
  consumption: boolean;
  rowAccess?: RowAccessRule;
  /** An incremental model, appended to in place by later runs. */
  incremental?: boolean;
  /** A view's defining SELECT (engines that move the clear object elsewhere rebuild it from this). */
  select?: string;
}

/** Settings of a governance pass that are not per object. */
export interface GovernanceSettings {
  /** Where policies live (Snowflake). */
  policySchema: string;
  secureViews: boolean;
  /** Roles that see every row of a row-restricted object. */
  unmaskedRoles: readonly string[];
  /** The role the platform itself runs as: it always sees clear values, or its builds would copy masked ones. */
  platformRole?: string;
}

/** A query over the engine's access history, and how its rows read. */
export interface AccessHistoryQuery {
  sql: string;
}

/** What an engine does to govern an object; each engine's `<engine>-governance.ts`. */
export interface GovernanceDialect {
  /** Statements putting `object` under governance; running them again gives the same state. */
  statements(object: GovernedObject, settings: GovernanceSettings): string[];
  /** The statements are DDL the engine can run in one transaction (DuckDB), so readers never see half of them. */
  readonly transactional: boolean;
  /** A statement returning the session's role in a column `role`, where the engine has roles. */
  readonly currentRoleSql?: string;
  /** Where a reader finds the clear values of a consumption object, when not in the object itself (DuckDB). */
  unmaskedRef?(ref: TableRef): TableRef;
  /**
   * Who read which object of `schemas` between `since` and `until` (ISO timestamps), without the
   * platform's own statements unless `includePlatform`; rows `read_at, user_name, role_name, object_name,
   * query_id`. Undefined where the engine keeps no access history.
   */
  accessHistory?(o: {
    since: string;
    until: string;
    schemas: readonly string[];
    includePlatform: boolean;
  }): AccessHistoryQuery;
  /** Why the engine has no access report, when it has none. */
  readonly noAccessHistory?: string;
}

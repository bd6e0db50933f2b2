import type { RowAccessRule } from '../../../lib/config/schema';
import type { ColumnMask, GovernanceDialect, GovernanceSettings, GovernedObject } from '../governance-dialect';
import { snowflakeDialect as d } from './snowflake-dialect';

/** The masking-policy signature type of a column type: the type without its length or precision. */
export function policyType(engineType: string): string {
  const base = engineType.toUpperCase().replace(/\(.*$/, '').trim();
  return ['TEXT', 'STRING', 'CHAR', 'CHARACTER'].includes(base) ? 'VARCHAR' : base;
}

const isText = (type: string): boolean => policyType(type) === 'VARCHAR';

/** True when any of `roles` is active in the session (primary, secondary or inherited). */
function anyRole(roles: readonly string[]): string {
  if (roles.length === 0) return 'FALSE';
  return roles.map((r) => `IS_ROLE_IN_SESSION(${d.literal(r.toUpperCase())})`).join(' OR ');
}

/** What a role without clearance sees instead of `val`; a type other than text can only be hidden (NULL). */
function maskedValue(m: ColumnMask): string {
  if (!isText(m.engineType) || m.style === 'null') return 'NULL';
  if (m.style === 'hash') return 'SHA2(val, 256)';
  if (m.style === 'partial') return `CONCAT(REPEAT('*', GREATEST(LENGTH(val) - ${m.keep}, 0)), RIGHT(val, ${m.keep}))`;
  return "'*****'";
}

const rolesOf = (roles: readonly string[], s: GovernanceSettings): string[] => [
  ...new Set([...roles, ...(s.platformRole ? [s.platformRole] : [])].map((r) => r.toUpperCase())),
];

/** One masking policy per tag and column type: `MASK_<TAG>_<TYPE>`. */
const maskPolicy = (s: GovernanceSettings, m: ColumnMask): string =>
  d.table({ schema: s.policySchema, table: `mask_${m.tag}_${policyType(m.engineType)}` });

/** The body of a masking policy: clear for the tag's roles (and the platform's), masked for everyone else. */
export function maskBody(m: ColumnMask, s: GovernanceSettings): string {
  return `CASE WHEN ${anyRole(rolesOf(m.unmaskedRoles, s))} THEN val ELSE ${maskedValue(m)} END`;
}

/** The body of a row-access policy on one column (`val`). */
export function rowAccessBody(rule: RowAccessRule, s: GovernanceSettings): string {
  const clear = anyRole(rolesOf(s.unmaskedRoles, s));
  if (rule.mappingTable) {
    const [schema, table] = rule.mappingTable.split('.');
    const mapping = d.table({ schema, table });
    return `${clear} OR EXISTS (SELECT 1 FROM ${mapping} m WHERE IS_ROLE_IN_SESSION(m.${d.quoteIdent(rule.roleColumn)}) AND m.${d.quoteIdent(rule.valueColumn)} = val)`;
  }
  const grants = Object.entries(rule.allow ?? {}).map(
    ([role, values]) =>
      `(${anyRole([role])} AND val IN (${values.length ? values.map((v) => d.literal(v)).join(', ') : 'NULL'}))`,
  );
  return [clear, ...grants].join(' OR ');
}

/** Consumption views made SECURE, then masking and row-access policies applied in place. */
function statements(o: GovernedObject, s: GovernanceSettings): string[] {
  const target = `${o.kind === 'view' ? 'VIEW' : 'TABLE'} ${d.table(o.ref)}`;
  const secure = o.kind === 'view' && o.consumption && s.secureViews;
  if (o.masks.length === 0 && !o.rowAccess && !secure) return [];
  // Replacing a view drops its policies, so a view made SECURE from its SELECT is replaced before they are set.
  const out =
    secure && o.select !== undefined ? [`CREATE OR REPLACE SECURE VIEW ${d.table(o.ref)} AS ${o.select}`] : [];
  if (o.masks.length > 0 || o.rowAccess) out.push(`CREATE SCHEMA IF NOT EXISTS ${d.quoteIdent(s.policySchema)}`);
  const policies = new Map<string, ColumnMask>();
  for (const m of o.masks) policies.set(maskPolicy(s, m), m);
  for (const [policy, m] of policies) {
    const type = policyType(m.engineType);
    out.push(
      `CREATE MASKING POLICY IF NOT EXISTS ${policy} AS (val ${type}) RETURNS ${type} -> ${maskBody(m, s)}`,
      `ALTER MASKING POLICY ${policy} SET BODY -> ${maskBody(m, s)}`,
    );
  }
  for (const m of o.masks) {
    out.push(`ALTER ${target} MODIFY COLUMN ${d.quoteIdent(m.name)} SET MASKING POLICY ${maskPolicy(s, m)} FORCE`);
  }
  if (o.rowAccess) {
    const rule = o.rowAccess;
    const column = o.columns.find((c) => c.name.toLowerCase() === rule.column.toLowerCase());
    const type = policyType(column?.engineType ?? 'VARCHAR');
    const policy = d.table({ schema: s.policySchema, table: `rows_${o.ref.schema}_${o.ref.table}` });
    out.push(
      `CREATE ROW ACCESS POLICY IF NOT EXISTS ${policy} AS (val ${type}) RETURNS BOOLEAN -> ${rowAccessBody(rule, s)}`,
      `ALTER ROW ACCESS POLICY ${policy} SET BODY -> ${rowAccessBody(rule, s)}`,
      `ALTER ${target} DROP ALL ROW ACCESS POLICIES`,
      `ALTER ${target} ADD ROW ACCESS POLICY ${policy} ON (${d.quoteIdent(rule.column)})`,
    );
  }
  if (secure && o.select === undefined) out.push(`ALTER VIEW ${d.table(o.ref)} SET SECURE`);
  return out;
}

/**
 * Reads of the consumption objects from ACCESS_HISTORY (objects a query named directly), with the
 * user from ACCESS_HISTORY and the role and QUERY_TAG from QUERY_HISTORY; the platform's own
 * statements carry a QUERY_TAG whose `app` is `edp`.
 */
function accessHistory(o: { since: string; until: string; schemas: readonly string[]; includePlatform: boolean }) {
  const schemas = o.schemas.map((s) => d.literal(s.toUpperCase())).join(', ');
  const platform = o.includePlatform ? '' : `\n  AND COALESCE(TRY_PARSE_JSON(qh.query_tag):app::STRING, '') <> 'edp'`;
  return {
    sql: `SELECT ah.query_start_time AS read_at, ah.user_name AS user_name, qh.role_name AS role_name,
  obj.value:"objectName"::STRING AS object_name, ah.query_id AS query_id
FROM SNOWFLAKE.ACCOUNT_USAGE.ACCESS_HISTORY ah,
  LATERAL FLATTEN(input => ah.direct_objects_accessed) obj,
  SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY qh
WHERE qh.query_id = ah.query_id
  AND ah.query_start_time >= TO_TIMESTAMP_LTZ(${d.literal(o.since)})
  AND ah.query_start_time < TO_TIMESTAMP_LTZ(${d.literal(o.until)})
  AND UPPER(SPLIT_PART(obj.value:"objectName"::STRING, '.', 2)) IN (${schemas})${platform}
ORDER BY read_at, object_name`,
  };
}

/** Snowflake governance: masking policies, row-access policies, secure views, ACCESS_HISTORY. */
export const snowflakeGovernance: GovernanceDialect = Object.freeze({
  statements,
  transactional: false, // Snowflake commits each DDL statement on its own
  currentRoleSql: 'SELECT CURRENT_ROLE() AS role',
  accessHistory,
});

import type { GovernedObject, GovernanceSettings } from '../../../../activities/warehouse';
import { duckdbGovernance } from '../../../../activities/warehouse/duckdb/duckdb-governance';
import { snowflakeGovernance } from '../../../../activities/warehouse/snowflake/snowflake-governance';
import { governanceSchema } from '../../../../lib/config/governance-schema';
import { ProjectError } from '../../../../lib/errors';

const settings: GovernanceSettings = {
  policySchema: 'governance',
  secureViews: true,
  unmaskedRoles: ['PHI_READER'],
  platformRole: 'PLATFORM_ROLE',
};
const phi = { tag: 'phi', style: 'full', keep: 4, unmaskedRoles: ['PHI_READER'] } as const;
const select = 'select member_id, first_name, birth_date, plan_id from "marts"."dim_member"';
const portal = (extra: Partial<GovernedObject> = {}): GovernedObject => ({
  ref: { schema: 'consumption', table: 'member_portal' },
  kind: 'view',
  columns: [
    { name: 'member_id', engineType: 'VARCHAR' },
    { name: 'first_name', engineType: 'VARCHAR' },
    { name: 'birth_date', engineType: 'DATE' },
    { name: 'plan_id', engineType: 'VARCHAR' },
  ],
  masks: [
    { name: 'first_name', engineType: 'VARCHAR', ...phi },
    { name: 'birth_date', engineType: 'DATE', ...phi },
    { name: 'member_id', engineType: 'VARCHAR', ...phi, tag: 'member_key', style: 'partial' },
  ],
  consumption: true,
  select,
  ...extra,
});
const rule = (r: Record<string, unknown>) =>
  governanceSchema.parse({ rowAccess: [{ object: 'consumption.member_portal', column: 'plan_id', ...r }] })
    .rowAccess[0];

describe('Snowflake governance statements', () => {
  it('makes a consumption view SECURE from its SELECT, then creates, updates and sets one masking policy per tag and type', () => {
    const clear = `IS_ROLE_IN_SESSION('PHI_READER') OR IS_ROLE_IN_SESSION('PLATFORM_ROLE')`;
    expect(snowflakeGovernance.statements(portal(), settings)).toEqual([
      `CREATE OR REPLACE SECURE VIEW "CONSUMPTION"."MEMBER_PORTAL" AS ${select}`,
      'CREATE SCHEMA IF NOT EXISTS "GOVERNANCE"',
      `CREATE MASKING POLICY IF NOT EXISTS "GOVERNANCE"."MASK_PHI_VARCHAR" AS (val VARCHAR) RETURNS VARCHAR -> CASE WHEN ${clear} THEN val ELSE '*****' END`,
      `ALTER MASKING POLICY "GOVERNANCE"."MASK_PHI_VARCHAR" SET BODY -> CASE WHEN ${clear} THEN val ELSE '*****' END`,
      `CREATE MASKING POLICY IF NOT EXISTS "GOVERNANCE"."MASK_PHI_DATE" AS (val DATE) RETURNS DATE -> CASE WHEN ${clear} THEN val ELSE NULL END`,
      `ALTER MASKING POLICY "GOVERNANCE"."MASK_PHI_DATE" SET BODY -> CASE WHEN ${clear} THEN val ELSE NULL END`,
      `CREATE MASKING POLICY IF NOT EXISTS "GOVERNANCE"."MASK_MEMBER_KEY_VARCHAR" AS (val VARCHAR) RETURNS VARCHAR -> CASE WHEN ${clear} THEN val ELSE CONCAT(REPEAT('*', GREATEST(LENGTH(val) - 4, 0)), RIGHT(val, 4)) END`,
      `ALTER MASKING POLICY "GOVERNANCE"."MASK_MEMBER_KEY_VARCHAR" SET BODY -> CASE WHEN ${clear} THEN val ELSE CONCAT(REPEAT('*', GREATEST(LENGTH(val) - 4, 0)), RIGHT(val, 4)) END`,
      'ALTER VIEW "CONSUMPTION"."MEMBER_PORTAL" MODIFY COLUMN "FIRST_NAME" SET MASKING POLICY "GOVERNANCE"."MASK_PHI_VARCHAR" FORCE',
      'ALTER VIEW "CONSUMPTION"."MEMBER_PORTAL" MODIFY COLUMN "BIRTH_DATE" SET MASKING POLICY "GOVERNANCE"."MASK_PHI_DATE" FORCE',
      'ALTER VIEW "CONSUMPTION"."MEMBER_PORTAL" MODIFY COLUMN "MEMBER_ID" SET MASKING POLICY "GOVERNANCE"."MASK_MEMBER_KEY_VARCHAR" FORCE',
    ]);
  });

  it('hashes with SHA2, and masks a raw table in place without touching its kind', () => {
    const raw: GovernedObject = {
      ref: { schema: 'raw', table: 'members' },
      kind: 'table',
      columns: [{ name: 'last_name', engineType: 'TEXT' }],
      masks: [{ name: 'last_name', engineType: 'TEXT', ...phi, style: 'hash', unmaskedRoles: [] }],
      consumption: false,
    };
    expect(snowflakeGovernance.statements(raw, { ...settings, platformRole: undefined })).toEqual([
      'CREATE SCHEMA IF NOT EXISTS "GOVERNANCE"',
      'CREATE MASKING POLICY IF NOT EXISTS "GOVERNANCE"."MASK_PHI_VARCHAR" AS (val VARCHAR) RETURNS VARCHAR -> CASE WHEN FALSE THEN val ELSE SHA2(val, 256) END',
      'ALTER MASKING POLICY "GOVERNANCE"."MASK_PHI_VARCHAR" SET BODY -> CASE WHEN FALSE THEN val ELSE SHA2(val, 256) END',
      'ALTER TABLE "RAW"."MEMBERS" MODIFY COLUMN "LAST_NAME" SET MASKING POLICY "GOVERNANCE"."MASK_PHI_VARCHAR" FORCE',
    ]);
  });

  it('puts a row-access policy on the object from a mapping table or an inline rule, replacing any earlier one', () => {
    const mapped = snowflakeGovernance.statements(
      portal({ masks: [], rowAccess: rule({ mappingTable: 'governance.plan_access' }) }),
      settings,
    );
    const body = `IS_ROLE_IN_SESSION('PHI_READER') OR IS_ROLE_IN_SESSION('PLATFORM_ROLE') OR EXISTS (SELECT 1 FROM "GOVERNANCE"."PLAN_ACCESS" m WHERE IS_ROLE_IN_SESSION(m."ROLE_NAME") AND m."VALUE" = val)`;
    expect(mapped.slice(1)).toEqual([
      'CREATE SCHEMA IF NOT EXISTS "GOVERNANCE"',
      `CREATE ROW ACCESS POLICY IF NOT EXISTS "GOVERNANCE"."ROWS_CONSUMPTION_MEMBER_PORTAL" AS (val VARCHAR) RETURNS BOOLEAN -> ${body}`,
      `ALTER ROW ACCESS POLICY "GOVERNANCE"."ROWS_CONSUMPTION_MEMBER_PORTAL" SET BODY -> ${body}`,
      'ALTER VIEW "CONSUMPTION"."MEMBER_PORTAL" DROP ALL ROW ACCESS POLICIES',
      'ALTER VIEW "CONSUMPTION"."MEMBER_PORTAL" ADD ROW ACCESS POLICY "GOVERNANCE"."ROWS_CONSUMPTION_MEMBER_PORTAL" ON ("PLAN_ID")',
    ]);
    const inline = snowflakeGovernance.statements(
      portal({ masks: [], rowAccess: rule({ allow: { PLAN_A: ['P1', "O'Neil"], NOBODY: [] } }) }),
      settings,
    );
    expect(inline[2]).toBe(
      `CREATE ROW ACCESS POLICY IF NOT EXISTS "GOVERNANCE"."ROWS_CONSUMPTION_MEMBER_PORTAL" AS (val VARCHAR) RETURNS BOOLEAN -> IS_ROLE_IN_SESSION('PHI_READER') OR IS_ROLE_IN_SESSION('PLATFORM_ROLE') OR (IS_ROLE_IN_SESSION('PLAN_A') AND val IN ('P1', 'O''Neil')) OR (IS_ROLE_IN_SESSION('NOBODY') AND val IN (NULL))`,
    );
  });

  it('does nothing to an object without tags or rule outside the consumption schemas, and secures a view it has no SELECT of in place', () => {
    expect(snowflakeGovernance.statements(portal({ masks: [], consumption: false }), settings)).toEqual([]);
    expect(snowflakeGovernance.statements(portal({ masks: [], select: undefined }), settings)).toEqual([
      'ALTER VIEW "CONSUMPTION"."MEMBER_PORTAL" SET SECURE',
    ]);
    expect(snowflakeGovernance.statements(portal({ masks: [] }), { ...settings, secureViews: false })).toEqual([]);
  });
});

describe('DuckDB governance statements', () => {
  it('moves a consumption view to <schema>_unmasked and puts a masking view under its name', () => {
    expect(duckdbGovernance.statements(portal(), settings)).toEqual([
      'CREATE SCHEMA IF NOT EXISTS "consumption_unmasked"',
      `CREATE OR REPLACE VIEW "consumption_unmasked"."member_portal" AS ${select}`,
      `CREATE OR REPLACE VIEW "consumption"."member_portal" AS SELECT repeat('*', greatest(length("member_id") - 4, 0)) || right("member_id", 4) AS "member_id", '*****' AS "first_name", CAST(NULL AS DATE) AS "birth_date", "plan_id" FROM "consumption_unmasked"."member_portal"`,
    ]);
  });

  it('copies a consumption table before replacing it, and filters rows as the PUBLIC role', () => {
    const table = portal({
      kind: 'table',
      select: undefined,
      masks: [],
      rowAccess: rule({ allow: { PUBLIC: ['P1'] } }),
    });
    expect(duckdbGovernance.statements(table, settings)).toEqual([
      'CREATE SCHEMA IF NOT EXISTS "consumption_unmasked"',
      'CREATE OR REPLACE TABLE "consumption_unmasked"."member_portal" AS SELECT * FROM "consumption"."member_portal"',
      'DROP TABLE "consumption"."member_portal"',
      `CREATE OR REPLACE VIEW "consumption"."member_portal" AS SELECT "member_id", "first_name", "birth_date", "plan_id" FROM "consumption_unmasked"."member_portal" WHERE "plan_id" IN ('P1')`,
    ]);
    const mapped = duckdbGovernance.statements(
      portal({ masks: [], rowAccess: rule({ mappingTable: 'governance.plan_access' }) }),
      settings,
    );
    expect(mapped[2]).toMatch(
      /WHERE EXISTS \(SELECT 1 FROM "governance"."plan_access" m WHERE m."role_name" = 'PUBLIC' AND m."value" = "plan_id"\)$/,
    );
  });

  it('leaves objects outside the consumption schemas alone, and refuses an incremental consumption model it would break', () => {
    expect(duckdbGovernance.statements(portal({ consumption: false }), settings)).toEqual([]);
    expect(() => duckdbGovernance.statements(portal({ kind: 'table', incremental: true }), settings)).toThrow(
      ProjectError,
    );
  });

  it('says there is no access history', () => {
    expect(duckdbGovernance.accessHistory).toBeUndefined();
    expect(duckdbGovernance.noAccessHistory).toMatch(/no access history/);
  });
});

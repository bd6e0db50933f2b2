import { typeChange, type ColumnShape } from '../../../../lib/schema-change';
import { duckdbDialect, snowflakeDialect } from '../../../../activities/warehouse';
import { BIGINT, num, text } from '../../../helpers/column-shapes';

describe('engine types read as shapes', () => {
  it.each<[string, ColumnShape]>([
    ['BIGINT', BIGINT],
    ['INTEGER', num(10, 0, true)],
    ['DECIMAL(18,2)', num(18, 2)],
    ['VARCHAR', text()],
    ['TIMESTAMP WITH TIME ZONE', { kind: 'timestamp' }],
    ['DOUBLE', { kind: 'float' }],
  ])('DuckDB %s', (engineType, shape) => expect(duckdbDialect.columnShape(engineType)).toEqual(shape));

  it.each<[string, ColumnShape]>([
    ['NUMBER(38,0)', num(38, 0, true)],
    ['NUMBER(18,2)', num(18, 2)],
    ['TEXT', text()],
    ['VARCHAR(16777216)', text()],
    ['VARCHAR(20)', text(20)],
    ['TIMESTAMP_TZ', { kind: 'timestamp' }],
  ])('Snowflake %s', (engineType, shape) => expect(snowflakeDialect.columnShape(engineType)).toEqual(shape));

  it('each platform type reads back as the shape the decision expects on both engines', () => {
    for (const d of [duckdbDialect, snowflakeDialect]) {
      expect(typeChange(d.columnShape(d.columnType('integer')), d.columnShape(d.columnType('decimal(20,2)')))).toEqual(
        expect.objectContaining({ action: 'widen' }),
      );
      expect(
        typeChange(d.columnShape(d.columnType('decimal(12,2)')), d.columnShape(d.columnType('integer'))).action,
      ).toBe('refuse');
      expect(typeChange(d.columnShape(d.columnType('string')), d.columnShape(d.columnType('string')))).toEqual({
        action: 'keep',
      });
    }
  });

  it('Snowflake widens a NUMBER to a new scale through a copy of the column, in place otherwise', () => {
    const ref = { schema: 'raw', table: 'claims' };
    expect(snowflakeDialect.widenColumn(ref, 'amount', num(12, 2), 'NUMBER(18,2)')).toEqual([
      'ALTER TABLE "RAW"."CLAIMS" ALTER COLUMN "AMOUNT" SET DATA TYPE NUMBER(18,2)',
    ]);
    expect(snowflakeDialect.widenColumn(ref, 'visits', num(38, 0, true), 'NUMBER(18,2)')).toEqual([
      'ALTER TABLE "RAW"."CLAIMS" ADD COLUMN IF NOT EXISTS "VISITS__EDP_WIDENED" NUMBER(18,2)',
      'UPDATE "RAW"."CLAIMS" SET "VISITS__EDP_WIDENED" = CAST("VISITS" AS NUMBER(18,2)) WHERE "VISITS__EDP_WIDENED" IS NULL AND "VISITS" IS NOT NULL',
      'ALTER TABLE "RAW"."CLAIMS" DROP COLUMN IF EXISTS "VISITS"',
      'ALTER TABLE "RAW"."CLAIMS" RENAME COLUMN "VISITS__EDP_WIDENED" TO "VISITS"',
    ]);
  });
});

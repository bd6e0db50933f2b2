import { columnsByOf, entitySchema, landingSchema } from '../../../../lib/config/landing-schema';
import { decimalSpec } from '../../../../lib/config/primitives';

const entity = (extra: Record<string, unknown>) => ({ name: 'claims', pattern: 'c_{interval}.csv', ...extra });

describe('landing entity columns', () => {
  it('takes decimal(precision,scale) as a column type, spaces aside, and reads its precision and scale', () => {
    const e = entitySchema.parse(entity({ columns: { a: 'decimal(12, 2)', b: 'decimal', c: 'decimal(38,38)' } }));
    expect(e.columns).toEqual({ a: 'decimal(12,2)', b: 'decimal', c: 'decimal(38,38)' });
    expect(decimalSpec(e.columns.a)).toEqual({ precision: 12, scale: 2 });
    expect(decimalSpec(e.columns.b)).toBeUndefined();
  });

  it.each(['decimal(0,0)', 'decimal(39,2)', 'decimal(4,5)', 'decimal(12)', 'money'])('refuses %s', (type) => {
    expect(entitySchema.safeParse(entity({ columns: { a: type } })).success).toBe(false);
  });

  it('maps fields by header name by default, by position without a header or when told', () => {
    const parse = (extra: Record<string, unknown>) =>
      entitySchema.parse(entity({ columns: { a: 'string' }, ...extra }));
    expect(columnsByOf(parse({}))).toBe('name');
    expect(columnsByOf(parse({ columnsBy: 'position' }))).toBe('position');
    expect(columnsByOf(parse({ header: false }))).toBe('position');
    expect(parse({ extraColumns: 'ignore' }).extraColumns).toBe('ignore');
    const named = entitySchema.safeParse(entity({ columns: { a: 'string' }, header: false, columnsBy: 'name' }));
    expect(named.success).toBe(false);
    expect(JSON.stringify(named.error?.issues)).toContain('a file without a header maps columns by position');
  });
});

describe('landing entity optionalColumns', () => {
  it('names declared columns a CSV header may lack, never an undeclared or a required one', () => {
    const columns = { a: 'string', b: 'integer' };
    expect(entitySchema.parse(entity({ columns, optionalColumns: ['b'] })).optionalColumns).toEqual(['b']);
    const issues = (extra: Record<string, unknown>) =>
      JSON.stringify(entitySchema.safeParse(entity({ columns, ...extra })).error?.issues);
    expect(issues({ optionalColumns: ['c'] })).toContain('\\"c\\" is not one of the entity\'s columns');
    expect(issues({ optionalColumns: ['a'], required: ['a'] })).toContain('\\"a\\" is required');
  });
});

describe('landing.duplicateFiles', () => {
  it('skips duplicates by default, loads them when told, and refuses anything else', () => {
    expect(landingSchema.parse({}).duplicateFiles).toBe('skip');
    expect(landingSchema.parse({ duplicateFiles: 'load' }).duplicateFiles).toBe('load');
    const bad = landingSchema.safeParse({ duplicateFiles: 'warn' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].path).toEqual(['duplicateFiles']);
  });
});

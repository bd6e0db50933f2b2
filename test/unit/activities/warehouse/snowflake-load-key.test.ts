import { newLoadKey } from '../../../../activities/warehouse/snowflake/snowflake-loader';

describe('a Snowflake load key', () => {
  it('never holds a `-`, so no `--` in the unquoted stage path of PUT and COPY starts a comment', () => {
    const keys = new Set(Array.from({ length: 20_000 }, newLoadKey));
    expect([...keys].filter((k) => k.includes('-'))).toEqual([]);
    expect([...keys].every((k) => /^[A-Za-z0-9_]{12}$/.test(k))).toBe(true);
    expect(keys.size).toBe(20_000);
  });
});

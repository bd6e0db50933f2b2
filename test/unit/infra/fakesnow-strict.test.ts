import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureFakesnow } from '../../../infra/install';

/**
 * The local Snowflake server's strict check (infra/fakesnow_strict.py), run by the server's own Python
 * (the fakesnow virtualenv global setup installs): what real Snowflake rejects is refused with its
 * compilation error, and Snowflake SQL, the drivers' own statements and the stage commands pass.
 */
interface Verdict {
  code: string;
  sqlState: string;
  message: string;
}

const CHECK = `
import json, sys
sys.path.insert(0, sys.argv[1])
from fakesnow_strict import check
out = []
for sql in json.load(sys.stdin):
    r = check(sql)
    out.append(None if r is None else {"code": r.code, "sqlState": r.sql_state, "message": r.message, "response": r.response()})
print(json.dumps(out))
`;

function verdicts(statements: readonly string[]): (Verdict & { response: Record<string, unknown> })[] {
  const python = ensureFakesnow();
  const out = execFileSync(python, ['-c', CHECK, join(__dirname, '..', '..', '..', 'infra')], {
    input: JSON.stringify(statements),
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'ignore'], // sqlglot warns on stderr when it falls back to a bare command
  });
  return JSON.parse(out) as (Verdict & { response: Record<string, unknown> })[];
}

const REFUSED: readonly [string, string, RegExp][] = [
  ['count(*) filter (where …)', "select count(*) filter (where status = 'paid') from claims", /FILTER \(WHERE/],
  ['epoch(…)', 'select epoch(now() - loaded_at) from t', /Unknown function EPOCH/],
  ["'-infinity' timestamps", "select coalesce(max(updated_at), '-infinity'::timestamptz) from t", /'-infinity'/],
  ["'infinity' dates", "select date 'infinity'", /'infinity'/],
  ['strftime', "select strftime(failed_at, '%Y-%m-%d') from audit.dead_letters", /Unknown function STRFTIME/],
  ['printf', "select printf('%.1f', score) from audit.quality_scores", /Unknown function PRINTF/],
  ['list_* functions', 'select list_value(1, 2)', /Unknown function LIST_VALUE/],
  ['struct_pack', 'select to_json(struct_pack(a := 1))', /Unknown function STRUCT_PACK/],
  ['::json', "select '{}'::json", /Type JSON/],
  ['a JSON column', 'create table t (doc json)', /Type JSON/],
  ['INSERT OR REPLACE', 'insert or replace into t values (1)', /INSERT OR REPLACE/],
  ['ON CONFLICT', 'insert into t values (1) on conflict do nothing', /ON CONFLICT/],
  ['read_csv', "select * from read_csv('claims.csv')", /Unknown function READ_CSV/],
  ['read_parquet', "select * from read_parquet('claims.parquet')", /Unknown function READ_PARQUET/],
  ['USING SAMPLE', 'select * from t using sample 10%', /USING SAMPLE/],
  ['CREATE OR REPLACE … IF NOT EXISTS', 'create or replace table if not exists t as select 1 as a', /IF NOT EXISTS/],
  ['DISTINCT ON', 'select distinct on (a) a, b from t', /DISTINCT ON/],
  ['INTERVAL without quotes', 'select now() - interval 1 day', /INTERVAL without a quoted value/],
  ['string_agg', "select string_agg(a, ',') from t", /Unknown function STRING_AGG/],
  ['arg_max', 'select arg_max(a, b) from t', /Unknown function ARG_MAX/],
  ['a file in FROM', "select * from 'claims.csv'", /file named in FROM/],
  ['FROM-first', 'from t select a', /starting with FROM/],
  ['COPY … FROM a file', "copy t from 'claims.csv'", /COPY without INTO/],
  ['PRAGMA', "pragma table_info('t')", /TABLE_INFO|PRAGMA/],
  ['INSTALL', 'install httpfs', /INSTALL/],
  ['SEMI JOIN', 'select * from a semi join b on a.k = b.k', /SEMI JOIN/],
  ['INSERT … BY NAME', 'insert into t by name select 1 as a', /BY NAME/],
  ['SIMILAR TO', "select a similar to 'x%' from t", /SIMILAR TO/],
  ['CREATE MACRO', 'create macro plus_one(a) as a + 1', /CREATE MACRO/],
];

const ACCEPTED: readonly string[] = [
  "select count_if(status = 'paid') from claims qualify row_number() over (order by claim_id) = 1",
  "ALTER SESSION SET TIMEZONE = 'UTC'",
  'SHOW SCHEMAS IN DATABASE edp',
  'USE SCHEMA raw',
  "select lower(column_name) from information_schema.columns where lower(table_schema) = 'staging'",
  "PUT 'file:///tmp/claims.csv' @edp_landing AUTO_COMPRESS = FALSE OVERWRITE = TRUE",
  `COPY INTO raw.claims FROM @edp_landing/claims.csv FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1 FIELD_OPTIONALLY_ENCLOSED_BY = '"')`,
  'COPY INTO @edp_export/claims/ FROM (select * from marts.claims) FILE_FORMAT = (TYPE = PARQUET) HEADER = TRUE',
  'create or replace table marts.t as select 1 as a',
  'select date_part(epoch_millisecond, loaded_at), to_timestamp_tz(cast(? as bigint), 3) from audit.runs',
  "select datediff('minute', a, b), dateadd(day, 1, a), current_timestamp() - interval '1 day' from t",
  'merge into t using s on t.k = s.k when matched then update set v = s.v when not matched then insert (k, v) values (s.k, s.v)',
  "select listagg(a, ',') within group (order by a), iff(a > 1, 'x', 'y'), parse_json(doc):key from t",
  'select value from table(flatten(input => parse_json(doc)))',
  "select '0001-01-01 00:00:00 +00:00'::timestamp_tz, cast(x as number(38, 0)) from t sample (10)",
  'insert into list (a) values (1)',
  'merge into t using sample on t.k = sample.k when matched then delete',
  'select to_varchar(hash(t.*)), to_json(object_construct(t.*)) from t',
  'BEGIN',
  'COMMIT',
];

describe('the local Snowflake server refuses SQL real Snowflake rejects', () => {
  const refused = verdicts(REFUSED.map(([, sql]) => sql));
  const accepted = verdicts(ACCEPTED);

  it.each(REFUSED.map(([what, , message], i) => [what, message, i] as const))(
    'refuses %s with a Snowflake compilation error',
    (_what, message, i) => {
      const v = refused[i];
      expect(v).not.toBeNull();
      expect(v.message).toMatch(message);
      expect(v.sqlState).toMatch(/^(42|22)/); // what the driver raises and the platform classifies as bad SQL
      expect(v.response).toMatchObject({ success: false, code: v.code, data: { errorCode: v.code } });
    },
  );

  it('names it a compilation error, with the codes Snowflake gives', () => {
    const of = (what: string) => refused[REFUSED.findIndex(([w]) => w === what)];
    expect(refused.filter((v) => v.message.startsWith('SQL compilation error:')).length).toBeGreaterThan(20);
    expect(of('epoch(…)').code).toBe('002140'); // Unknown function
    expect(of('count(*) filter (where …)').code).toBe('001003'); // syntax
  });

  it.each(ACCEPTED.map((sql, i) => [sql, i] as const))('accepts %s', (_sql, i) => {
    expect(accepted[i]).toBeNull();
  });
});

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { compileNode, installPackages, testSql } from '../../../../../activities/transform';
import { prefetchNodeQueries } from '../../../../../activities/transform/compile';
import { nodeNamed, parse, writeFiles, writeProject } from '../helpers';
import { dbtCorpus } from '../../../../helpers/dbt-corpus';

const run = { invocationId: 'unit', runStartedAt: '2026-01-01T00:00:00Z' };
const CORPUS = dbtCorpus();

/** A package `pkg` in dbt_packages/, named in packages.yml, and a model using it. */
function projectWithPackage(model: string, more: Record<string, string> = {}): string {
  return writeProject({
    'packages.yml': 'packages:\n  - local: ../somewhere\n',
    'dbt_packages/pkg/dbt_project.yml': 'name: pkg\nmacro-paths: [macros]\n',
    'dbt_packages/pkg/macros/keys.sql': [
      '{% macro key(cols) %}{{ return(adapter.dispatch("key", "pkg")(cols)) }}{% endmacro %}',
      '{% macro default__key(cols) %}{%- set parts = [] -%}{%- for c in cols -%}{%- do parts.append("cast(" ~ c ~ " as " ~ dbt.type_string() ~ ")") -%}{%- endfor -%}{{ dbt.hash(dbt.concat(parts)) }}{% endmacro %}',
      '{% macro duckdb__key(cols) %}{{ pkg.default__key(cols) }} /* duckdb */{% endmacro %}',
      '{% macro columns_of(n) %}{% set out = {} %}{% for i in range(n) %}{% do out.update({"c" ~ i: i}) %}{% endfor %}{{ return(out) }}{% endmacro %}',
      '{% test positive(model, column_name) %}select * from {{ model }} where {{ column_name }} <= 0{% endtest %}',
    ].join('\n'),
    'models/m.sql': model,
    ...more,
  });
}

describe('dbt packages', () => {
  it('calls package macros in their namespace, with adapter.dispatch, return() and {% do %} mutation', () => {
    const dir = projectWithPackage(
      "select {{ pkg.key(['a', 'b']) }} as k, {{ pkg.columns_of(2) | length }} as n, {{ dbt.date_trunc('day', 'ts') }} as d",
    );
    const sql = compileNode(parse(dir), nodeNamed(parse(dir), 'm'), run);
    expect(sql).toBe(
      "select md5(cast(cast(a as varchar) || cast(b as varchar) as varchar)) /* duckdb */ as k, 2 as n, date_trunc('day', ts) as d",
    );
  });

  it('stops a macro at return(), and runs run_query / statement on the warehouse before compiling', async () => {
    const dir = writeProject({
      'macros/m.sql': [
        "{% macro first() %}{% if true %}{{ return('a') }}{% endif %}{{ not_a_macro() }}{% endmacro %}",
        "{% macro count_of(t) %}{% set r = run_query('select count(*) from ' ~ t) %}{% if execute %}{{ return(r.columns[0].values()[0]) }}{% endif %}{% endmacro %}",
        "{% macro via_statement() %}{% call statement('s', fetch_result=True) %}select 7{% endcall %}{% if execute %}{{ return(load_result('s')['data'][0][0]) }}{% endif %}{% endmacro %}",
      ].join('\n'),
      'models/m.sql':
        "select '{{ first() }}' as a, {{ count_of('x') }} as n, {{ via_statement() }} as s, '{{ modules.re.sub('[ -]+', '_', 'a b-c') }}' as r",
    });
    const m = parse(dir);
    const node = nodeNamed(m, 'm');
    const options = { ...run, invocationId: 'unit-queries' };
    expect(() => compileNode(m, node, options)).toThrow(/run_query\/statement needs the warehouse/);
    const ran: string[] = [];
    await prefetchNodeQueries(m, node, options, (sql) => {
      ran.push(sql);
      return Promise.resolve({ columns: ['n'], rows: [[sql === 'select 7' ? 7 : 42]] });
    });
    expect(ran.sort()).toEqual(['select 7', 'select count(*) from x']);
    expect(compileNode(m, node, options)).toBe("select 'a' as a, 42 as n, 7 as s, 'a_b_c' as r");
  });

  it('offers graph, builtins and modules.datetime to templates', () => {
    const dir = writeProject({
      'models/src.sql': 'select 1 as x',
      'models/m.sql':
        "select '{{ graph.nodes['model.p.src'].name if execute else '' }}' as g, * from {{ builtins.ref('src') }} where '{{ modules.datetime.datetime.now().strftime('%Y') }}' = '2026'",
    });
    const m = parse(dir);
    expect(compileNode(m, nodeNamed(m, 'm'), run)).toBe(
      "select 'src' as g, * from \"main\".\"src\" where '2026' = '2026'",
    );
  });

  it('lets the project override a package macro and orders dispatch by dispatch: search_order', () => {
    const dir = projectWithPackage("select {{ pkg.key(['a']) }} as k", {
      'macros/over.sql': '{% macro default__key(cols) %}my_key({{ cols | join(",") }}){% endmacro %}',
      'dbt_project.yml': 'name: p\ndispatch:\n  - macro_namespace: pkg\n    search_order: [p, pkg]\n',
    });
    expect(compileNode(parse(dir), nodeNamed(parse(dir), 'm'), run)).toBe('select my_key(a) as k');
    writeFiles(dir, { 'macros/over.sql': '{% macro duckdb__key(cols) %}duck({{ cols | join(",") }}){% endmacro %}' });
    expect(compileNode(parse(dir), nodeNamed(parse(dir), 'm'), run)).toBe('select duck(a) as k');
  });

  it('runs package generic tests named with their package', () => {
    const dir = projectWithPackage('select 1 as id', {
      'models/m.yml': 'models:\n  - name: m\n    columns:\n      - name: id\n        data_tests: [pkg.positive]\n',
    });
    const m = parse(dir);
    const test = nodeNamed(m, 'pkg_positive_m_id');
    expect(testSql(m, test, run)).toBe('select * from "main"."m" where id <= 0');
  });

  it('passes a generic test macro its column_name as written, as dbt does (not quoted: a macro may put it in a string)', () => {
    const dir = projectWithPackage('select 1 as id', {
      'tests/generic/named.sql':
        "{% test named(model, column_name) %}select '{{ column_name }}' as col, {{ column_name }} from {{ model }} where false{% endtest %}",
      'models/m.yml': 'models:\n  - name: m\n    columns:\n      - name: id\n        data_tests: [named]\n',
    });
    const m = parse(dir);
    expect(testSql(m, nodeNamed(m, 'named_m_id'), run)).toBe(`select 'id' as col, id from "main"."m" where false`);
  });

  it('fails at parse when packages.yml names a package missing from dbt_packages/, and on package models', () => {
    const dir = projectWithPackage('select 1 as x');
    rmSync(join(dir, 'dbt_packages'), { recursive: true });
    expect(() => parse(dir)).toThrow(
      /packages\.yml: 1 package\(s\) named but 0 installed in dbt_packages\/.*edp dbt deps/,
    );
    const withModel = projectWithPackage('select 1 as x', { 'dbt_packages/pkg/models/x.sql': 'select 1' });
    expect(() => parse(withModel)).toThrow(/dbt_packages\/pkg\/models\/x\.sql:1: package pkg defines models/);
    const unknown = projectWithPackage('select {{ other.key([]) }}');
    expect(() => compileNode(parse(unknown), nodeNamed(parse(unknown), 'm'), run)).toThrow(
      /models\/m\.sql:1: .*no method named key/,
    );
  });

  it('compiles jaffle-shop’s dbt_utils.generate_surrogate_key as dbt does', () => {
    const dir = writeProject({});
    cpSync(join(CORPUS, 'projects', 'jaffle-shop'), dir, { recursive: true });
    for (const p of ['dbt_utils', 'dbt_date', 'audit_helper'])
      cpSync(join(CORPUS, 'packages', p), join(dir, 'dbt_packages', p), { recursive: true });
    rmSync(join(dir, 'dbt_packages', 'dbt_utils', 'integration_tests'), { recursive: true });
    const m = parse(dir, { load_source_data: true });
    expect(compileNode(m, nodeNamed(m, 'stg_supplies'), run)).toContain(
      "md5(cast(coalesce(cast(id as varchar), '_dbt_utils_surrogate_key_null_') || '-' || coalesce(cast(sku as varchar), '_dbt_utils_surrogate_key_null_') as varchar)) as supply_uuid",
    );
    expect(compileNode(m, nodeNamed(m, 'stg_orders'), run)).toContain("date_trunc('day', ordered_at) as ordered_at");
  });

  it('edp dbt deps copies local packages into dbt_packages/ and explains an unreachable hub', async () => {
    const dir = writeProject({
      'packages.yml': 'packages:\n  - local: vendor/lib\n',
      'vendor/lib/dbt_project.yml': 'name: lib\n',
      'vendor/lib/macros/a.sql': '{% macro a() %}1{% endmacro %}',
    });
    expect(await installPackages(dir)).toEqual([{ name: 'lib', from: join(dir, 'vendor/lib') }]);
    expect(existsSync(join(dir, 'dbt_packages', 'lib', 'macros', 'a.sql'))).toBe(true);
    writeFiles(dir, { 'packages.yml': 'packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.3.3\n' });
    // A port nobody listens on: a server's, closed again.
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((ok) => closed.close(ok));
    const env = { DBT_PACKAGE_HUB_URL: url };
    const err = await installPackages(dir, { env }).catch((e: Error) => e);
    expect((err as Error).message).toContain(
      `packages.yml: hub package dbt-labs/dbt_utils: the dbt package hub is not reachable at ${url}/api/v1/index.json (ECONNREFUSED)`,
    );
    expect((err as Error).message).toMatch(/unpack it into dbt_packages\/<package name>\//);
    // The lock written for the local package stays; dbt_packages/ is left as it was.
    expect(existsSync(join(dir, 'dbt_packages', 'lib', 'macros', 'a.sql'))).toBe(true);
  });

  it('edp dbt deps keeps links of a git package as written, and those of a local package resolving', async () => {
    const dir = writeProject({
      'packages.yml': 'packages:\n  - local: vendor/mono/lib\n',
      'vendor/mono/lib/dbt_project.yml': 'name: lib\n',
      'vendor/mono/common/c.sql': '{% macro c() %}1{% endmacro %}',
      'repo/dbt_project.yml': 'name: gitlib\n',
      'repo/shared/a.sql': '{% macro a() %}1{% endmacro %}',
    });
    // A local package's link leaving its folder (dbt links the folder, so it resolves from there).
    mkdirSync(join(dir, 'vendor/mono/lib/macros'));
    symlinkSync('../../common/c.sql', join(dir, 'vendor/mono/lib/macros/c.sql'));
    await installPackages(dir);
    expect(readFileSync(join(dir, 'dbt_packages', 'lib', 'macros', 'c.sql'), 'utf8')).toContain('macro c()');
    // A git package's link inside it stays as written (the temporary clone it would point into is removed).
    const repo = join(dir, 'repo');
    symlinkSync('../shared/a.sql', join(repo, 'a-link.sql'));
    const git = (...args: string[]) =>
      expect(spawnSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args]).status).toBe(0);
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'pkg');
    writeFiles(dir, { 'packages.yml': `packages:\n  - git: ${JSON.stringify(repo)}\n` });
    await installPackages(dir);
    expect(readlinkSync(join(dir, 'dbt_packages', 'gitlib', 'a-link.sql'))).toBe('../shared/a.sql');
  });

  it('edp dbt deps refuses a hub package without a version, naming the entry', async () => {
    const dir = writeProject({ 'packages.yml': 'packages:\n  - package: dbt-labs/dbt_utils\n' });
    await expect(installPackages(dir)).rejects.toThrow(
      /packages\.yml: packages\[0\] \(dbt-labs\/dbt_utils\): version: is required/,
    );
  });
});

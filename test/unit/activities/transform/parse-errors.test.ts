import { CompileError } from '../../../../activities/transform';
import { errorOf, parse, Runner, withDbtUtils, writeProject } from './helpers';

const parseError = (files: Record<string, string>) => errorOf(() => parse(writeProject(files)));

describe('parseProject: errors name the file and line', () => {
  it('an unknown ref', () => {
    expect(parseError({ 'models/x.sql': "select 1\nfrom {{ ref('missing') }}" })).toBe(
      "models/x.sql:2: ref('missing') names no model, seed or snapshot in this project",
    );
  });

  it('an unknown source', () => {
    expect(parseError({ 'models/x.sql': "select 1\n\nfrom {{ source('raw', 'nope') }}" })).toBe(
      "models/x.sql:3: source('raw', 'nope') is not defined in any sources: properties file",
    );
  });

  // The line must be the failing call's, not the first line where the quoted name happens to occur
  // (jinja.ts lineOf() searches the file for the first quoted word of the message).
  it('an unknown ref whose name also occurs on an earlier line', () => {
    expect(parseError({ 'models/x.sql': "select customer_id\nfrom {{ ref('customer') }}" })).toMatch(
      /^models\/x\.sql:2: ref\('customer'\)/,
    );
  });

  it('an unknown source whose source name also occurs on an earlier line', () => {
    expect(parseError({ 'models/x.sql': "-- reads raw.orders\nselect 1\nfrom {{ source('raw', 'orders') }}" })).toMatch(
      /^models\/x\.sql:3: source\('raw', 'orders'\)/,
    );
  });

  // The message quotes nothing, so lineOf() cannot find it and falls back to line 1.
  it('raise_compiler_error on a later line', () => {
    expect(
      parseError({
        'models/x.sql': "select 1\n{% if true %}\n{{ exceptions.raise_compiler_error('stop here') }}\n{% endif %}",
      }),
    ).toBe('models/x.sql:3: stop here');
  });

  it('a Jinja syntax error', () => {
    expect(parseError({ 'models/x.sql': 'select 1\n\n{{ foo( }}' })).toBe(
      'models/x.sql:3: syntax error: unexpected `}`',
    );
    expect(parseError({ 'models/x.sql': 'select 1\n{% if %}\nfrom t' })).toMatch(/^models\/x\.sql:2: syntax error/);
  });

  it('an error inside a macro, located in the macro file', () => {
    expect(
      parseError({
        'macros/a.sql': '{% macro first() %}1{% endmacro %}\n',
        'macros/b.sql': "{% macro boom() %}\n\n{{ 1 + 'a' }}\n{% endmacro %}",
        'models/x.sql': 'select {{ boom() }}',
      }),
    ).toMatch(/^macros\/b\.sql:3: invalid operation: .* \(in a macro called from models\/x\.sql\)$/);
  });

  it('a missing required var', () => {
    expect(parseError({ 'models/x.sql': "select 1\n  where x = {{ var('cutoff') }}" })).toBe(
      "models/x.sql:2: Required var 'cutoff' not found in config: set it in dbt_project.yml vars or --vars",
    );
  });

  it('a missing env var without default', () => {
    expect(parseError({ 'models/x.sql': "select '{{ env_var('EDP_TEST_SURELY_UNSET') }}'" })).toBe(
      "models/x.sql:1: Env var required but not provided: 'EDP_TEST_SURELY_UNSET'",
    );
  });

  it('a dependency cycle, as the path around it with files', () => {
    const files = {
      'models/a.sql': "select * from {{ ref('b') }}",
      'models/b.sql': "select * from {{ ref('a') }}",
      'models/c.sql': "select * from {{ ref('a') }}",
      'models/ok.sql': 'select 1',
    };
    let err: unknown;
    try {
      parse(writeProject(files));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CompileError);
    expect((err as Error).message).toBe(
      'models/a.sql: dependency cycle: a (models/a.sql) → b (models/b.sql) → a (models/a.sql)',
    );
  });

  it('duplicate model names', () => {
    expect(parseError({ 'models/a/x.sql': 'select 1', 'models/b/x.sql': 'select 2' })).toBe(
      'models/b/x.sql: "x" is also defined in models/a/x.sql; names must be unique',
    );
  });

  it('a properties YAML that does not parse', () => {
    expect(parseError({ 'models/x.sql': 'select 1', 'models/props.yml': 'models:\n  - name: x\n   bad: [\n' })).toMatch(
      /^models\/props\.yml: .*line 3/,
    );
  });

  it('a properties entry without a name', () => {
    expect(parseError({ 'models/props.yml': 'models:\n  - description: nameless\n' })).toBe(
      'models/props.yml: every entry of models needs a name',
    );
  });

  it('an unknown generic test name', () => {
    expect(
      parseError({
        'models/x.sql': 'select 1 as id',
        'models/props.yml': 'models:\n  - name: x\n    columns:\n      - name: id\n        data_tests: [is_even]\n',
      }),
    ).toBe(
      "models/props.yml: unknown test 'is_even' on x (define it with {% test is_even(model, column_name) %} in tests/generic/)",
    );
  });

  it("a package's generic test named without its package, which dbt-core leaves undefined", () => {
    const props = (test: string) =>
      `models:\n  - name: x\n    columns:\n      - name: id\n        data_tests:\n          - ${test}:\n              at_least: 0.5\n`;
    const files = (test: string) => ({ 'models/x.sql': 'select 1 as id', 'models/props.yml': props(test) });
    expect(errorOf(() => parse(withDbtUtils(files('not_null_proportion'))))).toBe(
      "models/props.yml: unknown test 'not_null_proportion' on x (package dbt_utils defines it: write dbt_utils.not_null_proportion, as dbt-core finds a package's test only by its package name)",
    );
    expect(
      Object.values(parse(withDbtUtils(files('dbt_utils.not_null_proportion'))).nodes).map((n) => n.name),
    ).toContain('dbt_utils_not_null_proportion_x_0_5__id');
  });

  it('a relationships test to an unknown model, and one without field', () => {
    const props = (args: string) =>
      `models:\n  - name: x\n    columns:\n      - name: id\n        data_tests:\n          - relationships: ${args}\n`;
    expect(
      parseError({ 'models/x.sql': 'select 1 as id', 'models/p.yml': props(`{to: "ref('nope')", field: id}`) }),
    ).toBe("models/p.yml: relationships test on x.id refers to unknown model 'nope'");
    expect(parseError({ 'models/x.sql': 'select 1 as id', 'models/p.yml': props(`{to: "ref('x')"}`) })).toBe(
      "models/p.yml: test on x.id: relationships needs to: ref('model') and field: column",
    );
  });

  it('a dbt_project.yml without a valid name', () => {
    const err = errorOf(() => parse(writeProject({ 'dbt_project.yml': 'name: my-project\n' })));
    expect(err).toBe('dbt_project.yml: name must be set to a name of letters, digits and underscores');
  });

  it('are CompileErrors, which planTransform turns into non-retryable failures with the same message', async () => {
    const dir = writeProject({ 'models/x.sql': "select 1\nfrom {{ ref('missing') }}" });
    expect(() => parse(dir)).toThrow(CompileError);
    const runner = await Runner.open(dir);
    try {
      await expect(runner.plan()).rejects.toMatchObject({
        message: "models/x.sql:2: ref('missing') names no model, seed or snapshot in this project",
        nonRetryable: true,
        type: 'EdpBadInput',
      });
    } finally {
      await runner.close();
    }
  });

  // planTransform is typed to return a Promise; a caller using .catch() expects a rejection, not a throw.
  it('planTransform reports a project error as a rejected promise, not a synchronous throw', async () => {
    const runner = await Runner.open(writeProject({ 'models/x.sql': "select * from {{ ref('missing') }}" }));
    try {
      let returned: unknown;
      expect(() => {
        returned = runner.activities.planTransform({});
      }).not.toThrow();
      await expect(returned).rejects.toMatchObject({ nonRetryable: true });
    } finally {
      await runner.close();
    }
  });

  it('a cycle through planTransform is a non-retryable failure too', async () => {
    const dir = writeProject({
      'models/a.sql': "select * from {{ ref('b') }}",
      'models/b.sql': "select * from {{ ref('a') }}",
    });
    const runner = await Runner.open(dir);
    try {
      await expect(runner.plan()).rejects.toMatchObject({
        message: 'models/a.sql: dependency cycle: a (models/a.sql) → b (models/b.sql) → a (models/a.sql)',
        nonRetryable: true,
      });
    } finally {
      await runner.close();
    }
  });
});

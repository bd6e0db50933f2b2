import { readFileSync } from 'node:fs';
import { writeCatalog } from '../../../../activities/transform';
import { parse, Runner, writeProject } from './helpers';

const PROJECT = {
  'dbt_project.yml': [
    'name: p',
    'models:',
    '  p:',
    '    +persist_docs: {relation: true, columns: true}',
    '    plain:',
    '      +persist_docs: {relation: false, columns: false}',
    'seeds:',
    '  p:',
    '    +persist_docs: {relation: true}',
    '',
  ].join('\n'),
  'seeds/codes.csv': 'code,label\nA,alpha\n',
  'models/members.sql': "{{ config(materialized='table') }} select 1 as id, 'Ann' as name",
  'models/member_view.sql': "select id from {{ ref('members') }}",
  'models/plain/undocumented.sql': "{{ config(materialized='table') }} select 1 as id",
  'models/_props.yml': `models:
  - name: members
    description: "One row per member: it's the spine"
    columns:
      - name: ID
        description: The member's key
      - name: name
      - name: gone
        description: not a column of the table
  - name: member_view
    description: Members as a view
    columns:
      - name: id
        description: Key, again
  - name: undocumented
    description: never written as a comment
    columns:
      - name: id
        description: neither is this
seeds:
  - name: codes
    description: Code list
    columns:
      - name: code
        description: columns are not asked for
`,
};

describe('persist_docs on DuckDB, as dbt-duckdb writes them', () => {
  it("writes descriptions as table, view and column comments, and docs generate's catalog.json reads them back", async () => {
    const dir = writeProject(PROJECT);
    const runner = await Runner.open(dir);
    try {
      await runner.build({ command: 'build' });
      const relations = await runner.query(
        "select table_name as t, table_type as k, table_comment as c from information_schema.tables where table_schema = 'main' order by 1",
      );
      expect(relations).toEqual([
        { t: 'codes', k: 'BASE TABLE', c: 'Code list' },
        { t: 'member_view', k: 'VIEW', c: 'Members as a view' },
        { t: 'members', k: 'BASE TABLE', c: "One row per member: it's the spine" },
        { t: 'undocumented', k: 'BASE TABLE', c: null },
      ]);
      const columns = await runner.query(
        "select table_name as t, column_name as n, column_comment as c from information_schema.columns where table_schema = 'main' order by 1, ordinal_position",
      );
      expect(columns).toEqual([
        { t: 'codes', n: 'code', c: null },
        { t: 'codes', n: 'label', c: null },
        { t: 'member_view', n: 'id', c: 'Key, again' },
        { t: 'members', n: 'id', c: "The member's key" },
        { t: 'members', n: 'name', c: null },
        { t: 'undocumented', n: 'id', c: null },
      ]);

      const { file } = await writeCatalog(parse(dir), runner.warehouse);
      const catalog = JSON.parse(readFileSync(file, 'utf8')) as {
        nodes: Record<
          string,
          { metadata: { comment: string | null }; columns: Record<string, { comment: string | null }> }
        >;
      };
      expect(catalog.nodes['model.p.members'].metadata.comment).toBe("One row per member: it's the spine");
      expect(catalog.nodes['model.p.members'].columns.id.comment).toBe("The member's key");
      expect(catalog.nodes['model.p.member_view'].metadata.comment).toBe('Members as a view');
      expect(catalog.nodes['seed.p.codes'].columns.code.comment).toBeNull();
      expect(catalog.nodes['model.p.undocumented'].metadata.comment).toBeNull();
    } finally {
      await runner.close();
    }
  });
});

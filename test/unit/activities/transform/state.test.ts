import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dbtManifest, readStateManifest, selectNodes } from '../../../../activities/transform';
import { tmpDir } from '../../../helpers/tmp';
import { parse, writeFiles, writeProject } from './helpers';

/** The project as it is now, saved as a `--state` folder (an earlier run's target/). */
function saveState(dir: string): string {
  const state = tmpDir('edp-dbt-state-');
  writeFileSync(join(state, 'manifest.json'), JSON.stringify(dbtManifest(parse(dir))));
  return state;
}

const select = (dir: string, state: string, selector: string) =>
  selectNodes(parse(dir), 'run', [selector], [], { state: readStateManifest(state) });

describe('state:modified.macros and state:modified.contract', () => {
  it('selects the nodes calling a changed macro, directly or through another macro', () => {
    const dir = writeProject({
      'macros/inner.sql': '{% macro inner() %}1{% endmacro %}',
      'macros/outer.sql': '{% macro outer() %}{{ inner() }} + 1{% endmacro %}',
      'macros/other.sql': '{% macro other() %}3{% endmacro %}',
      'models/direct.sql': 'select {{ inner() }} as x',
      'models/nested.sql': 'select {{ outer() }} as x',
      'models/unrelated.sql': 'select {{ other() }} as x',
      'models/plain.sql': 'select 1 as x',
    });
    const state = saveState(dir);
    expect(select(dir, state, 'state:modified')).toEqual([]);
    writeFiles(dir, { 'macros/inner.sql': '{% macro inner() %}2{% endmacro %}' });
    expect(select(dir, state, 'state:modified.macros')).toEqual(['model.p.direct', 'model.p.nested']);
    expect(select(dir, state, 'state:modified')).toEqual(['model.p.direct', 'model.p.nested']);
    expect(select(dir, state, 'state:modified.body')).toEqual([]);
    expect(select(dir, state, 'state:unmodified')).toEqual(['model.p.plain', 'model.p.unrelated']);
  });

  it("selects a model whose contract is newly enforced or whose contracted column types changed, as dbt's checksum", () => {
    const props = (enforced: boolean, type: string) =>
      [
        'models:',
        '  - name: a',
        `    config: {contract: {enforced: ${enforced}}, materialized: table}`,
        '    columns:',
        `      - {name: id, data_type: ${type}}`,
        '  - name: b',
        '    columns:',
        '      - {name: id, data_type: integer}',
      ].join('\n');
    const dir = writeProject({
      'models/a.sql': 'select 1 as id',
      'models/b.sql': 'select 1 as id',
      'models/_props.yml': props(false, 'integer'),
    });
    const unenforced = saveState(dir);
    writeFiles(dir, { 'models/_props.yml': props(true, 'integer') });
    expect(select(dir, unenforced, 'state:modified.contract')).toEqual(['model.p.a']);
    const enforced = saveState(dir);
    expect(select(dir, enforced, 'state:modified.contract')).toEqual([]);
    writeFiles(dir, { 'models/_props.yml': props(true, 'bigint') });
    expect(select(dir, enforced, 'state:modified.contract')).toEqual(['model.p.a']);
    expect(select(dir, enforced, 'state:modified')).toEqual(['model.p.a']);
    // The checksum dbt-core 1.10.23's own parse of this project writes (sha256 of `|idbigint[]table[]`).
    expect((dbtManifest(parse(dir)).nodes as Record<string, { contract: unknown }>)['model.p.a'].contract).toEqual({
      enforced: true,
      alias_types: true,
      checksum: 'bfa3ea5a152f3ce904ac17d1eb0f6631245880e176a1247ec528467fec2ac99f',
    });
  });
});

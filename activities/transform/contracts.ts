import { ensureSchema, type Warehouse } from '../warehouse';
import { compileNode, type CompileOptions } from './compile';
import { CompileError } from './jinja';
import { quoterFor } from './jinja-context';
import type { Manifest, ManifestNode } from './manifest-types';
import { scratchRef } from './materialize';

/** A type as compared: upper-case, without size, precision or scale (dbt does not compare those either). */
const baseType = (type: string) =>
  type
    .replace(/\(.*\)/, '')
    .trim()
    .toUpperCase();

/**
 * Enforces a model's contract as dbt does before building it: the columns its SQL returns must be the
 * contract's, by name, with the same data types. Both sides are typed by the engine itself (an empty
 * table of the query, an empty table declared with the contract's types), so `int` and `integer`, or
 * `text` and `varchar`, compare as the engine stores them. A mismatch fails the model, listing each
 * column that differs.
 */
export async function enforceContract(
  w: Warehouse,
  manifest: Manifest,
  node: ManifestNode,
  o: CompileOptions,
): Promise<void> {
  const sql = compileNode(manifest, node, { ...o, isIncremental: false });
  const { invocationId } = o;
  await ensureSchema(w, node.relation!.schema);
  const q = quoterFor(manifest.target.type);
  const declared = Object.entries(node.columns ?? {}).map(([name, c]) => ({ name, type: c.data_type! }));
  const built = scratchRef(node, invocationId, 'contract_sql');
  const typed = scratchRef(node, invocationId, 'contract_declared');
  const table = (r: { schema: string; table: string }) => `${q(r.schema)}.${q(r.table)}`;
  let ours, theirs;
  try {
    await w.execute(`create or replace table ${table(built)} as select * from (\n${sql}\n) dbt_contract where 1 = 0`);
    await w.execute(
      `create or replace table ${table(typed)} (${declared.map((c) => `${q(c.name)} ${c.type}`).join(', ')})`,
    );
    ours = (await w.describeTable(built)) ?? [];
    theirs = (await w.describeTable(typed)) ?? [];
  } finally {
    await w.execute(`drop table if exists ${table(built)}`);
    await w.execute(`drop table if exists ${table(typed)}`);
  }
  const find = (cols: typeof ours, name: string) => cols.find((c) => c.name.toLowerCase() === name.toLowerCase());
  const problems: string[] = [];
  for (const [i, c] of declared.entries()) {
    const got = find(ours, c.name);
    const want = theirs[i]?.type ?? c.type;
    if (!got) problems.push(`| ${c.name} | | ${want} | missing in definition |`);
    else if (baseType(got.type) !== baseType(want))
      problems.push(`| ${c.name} | ${got.type} | ${want} | data type mismatch |`);
  }
  for (const c of ours) {
    if (!declared.some((d) => d.name.toLowerCase() === c.name.toLowerCase())) {
      problems.push(`| ${c.name} | ${c.type} | | missing in contract |`);
    }
  }
  if (problems.length) {
    throw new CompileError(
      `${node.path}: ${node.name}: this model has an enforced contract that failed: the name, data_type and number of columns of the contract must match the model's\n| column_name | definition_type | contract_type | mismatch_reason |\n${problems.join('\n')}`,
    );
  }
}

import { DuckDbWarehouse } from '../../activities/warehouse';
import { dbtFile } from './paths';

/** How ours compares with dbt's relations. */
export interface Comparison {
  identical: number;
  differences: string[];
  typeDifferences: string[];
}

/** Every relation dbt built in `main` against ours: same kind, same rows (EXCEPT ALL both ways), same column types. */
export async function compareWithDbt(oursFile: string): Promise<Comparison> {
  const w = await DuckDbWarehouse.open({ path: oursFile });
  try {
    await w.execute(`attach '${dbtFile}' as dbt_bench (read_only)`);
    const ours = (await w.query<{ n: string }>('select current_database() as n'))[0].n;
    const relations = async (catalog: string) =>
      new Map(
        (
          await w.query<{ name: string; kind: string }>(
            `select table_name as name, table_type as kind from information_schema.tables
             where table_catalog = ? and table_schema = 'main' order by 1`,
            [catalog],
          )
        ).map((x) => [x.name, x.kind]),
      );
    const columns = async (catalog: string) => {
      const rows = await w.query<{ name: string; col: string; type: string }>(
        `select table_name as name, column_name as col, data_type as type from information_schema.columns
         where table_catalog = ? and table_schema = 'main' order by table_name, ordinal_position`,
        [catalog],
      );
      const out = new Map<string, string[]>();
      for (const x of rows) out.set(x.name, [...(out.get(x.name) ?? []), `${x.col} ${x.type}`]);
      return out;
    };
    const [theirs, mine, theirCols, myCols] = [
      await relations('dbt_bench'),
      await relations(ours),
      await columns('dbt_bench'),
      await columns(ours),
    ];
    const out: Comparison = { identical: 0, differences: [], typeDifferences: [] };
    for (const name of mine.keys()) if (!theirs.has(name)) out.differences.push(`${name}: only ours built it`);
    for (const [name, kind] of theirs) {
      if (!mine.has(name)) {
        out.differences.push(`${name}: dbt built it (${kind}), ours did not`);
        continue;
      }
      if (mine.get(name) !== kind) out.differences.push(`${name}: dbt built a ${kind}, ours a ${mine.get(name)}`);
      const a = `dbt_bench.main."${name}"`;
      const b = `"${ours}".main."${name}"`;
      try {
        const [d] = await w.query<{ only_dbt: string; only_ours: string; n: string }>(
          `select (select count(*) from (select * from ${a} except all select * from ${b})) as only_dbt,
                  (select count(*) from (select * from ${b} except all select * from ${a})) as only_ours,
                  (select count(*) from ${a}) as n`,
        );
        if (Number(d.only_dbt) || Number(d.only_ours)) {
          out.differences.push(`${name}: ${d.only_dbt} rows only in dbt's, ${d.only_ours} only in ours (dbt: ${d.n})`);
        } else out.identical++;
      } catch (err) {
        out.differences.push(`${name}: cannot compare (${(err as Error).message.split('\n')[0]})`);
      }
      const [tc, mc] = [theirCols.get(name)?.join(', '), myCols.get(name)?.join(', ')];
      if (tc !== mc) out.typeDifferences.push(`${name}: dbt (${tc}) vs ours (${mc})`);
    }
    return out;
  } finally {
    await w.close();
  }
}

import type { Warehouse } from '../../warehouse';

/** A key column: its name and the SQL giving its value in a row of the relation being matched. */
export interface KeyColumn {
  name: string;
  value: string;
}

/** SQL true when the row's key (`key[].value`) is one of the keys listed by `touched` (a SELECT naming them `key[].name`). */
export function keyIn(w: Warehouse, key: readonly KeyColumn[], touched: string): string {
  const q = (c: string) => w.dialect.quoteIdent(c);
  return `EXISTS (SELECT 1 FROM (${touched}) edp_k WHERE ${key.map((k) => `edp_k.${q(k.name)} = ${k.value}`).join(' AND ')})`;
}

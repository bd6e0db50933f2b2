/** A value bound to a SQL parameter. */
export type SqlValue = string | number | boolean | null;

/** A schema-qualified table name. */
export interface TableRef {
  schema: string;
  table: string;
}

/** Splits `schema.table` (as config writes it) into a table reference. */
export function tableRef(name: string): TableRef {
  const [schema, table] = name.split('.');
  return { schema, table };
}

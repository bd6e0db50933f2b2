import type { DbtOptions } from '../../cli/dbt-command';

/** `edp dbt` options as the command line gives them without flags, for `projectDir`, with `more` on top. */
export const dbtOptions = (projectDir: string, more: Partial<DbtOptions> = {}): DbtOptions => ({
  projectDir,
  select: [],
  exclude: [],
  fullRefresh: false,
  noWait: false,
  ...more,
});

import type { z } from 'zod';
import type { DriverErrorClassifier } from '../../lib/errors';
import type { Dialect } from './dialect';
import type { GovernanceDialect } from './governance-dialect';
import type { Row, Warehouse } from './warehouse';

/** A rule across keys of an engine's config section, reported at `warehouse.<engine>.<path>` when broken. */
export interface SectionCheck<Section> {
  valid(section: Section): boolean;
  message: string;
  path: readonly string[];
}

/**
 * One warehouse engine, as its folder `activities/warehouse/<engine>/` defines it: config, connection,
 * SQL and identifier forms, dbt target type. Callers ask the engine, never compare engine names.
 */
export interface Engine<Name extends string = string, Schema extends z.ZodTypeAny = z.ZodTypeAny> {
  /** Its `warehouse.engine` value, also the key of its section `warehouse.<name>`. */
  readonly name: Name;
  /** Its section `warehouse.<name>`: with defaults where the section is always present, else optional. */
  readonly configSchema: Schema;
  /** What the section needs, named in the error when the engine is chosen without one (`account, user, …`). */
  readonly configNeeds?: string;
  /** Rules across the section's keys, checked whether or not the engine is chosen. */
  readonly configChecks?: ReadonlyArray<SectionCheck<NonNullable<z.output<Schema>>>>;
  /** The engine's SQL forms and identifier case. */
  readonly dialect: Dialect;
  /** dbt's `target.type` for this engine (adapter name), which compiled SQL is quoted for. */
  readonly dbtType: string;
  /** Opens the warehouse from the engine's section, reading secrets from `env` or the files it names; rejects, never throws. */
  open(section: NonNullable<z.output<Schema>>, env: NodeJS.ProcessEnv): Promise<Warehouse>;
  /** The section with its relative paths resolved by `inState` (against the state folder). */
  resolvePaths?(section: NonNullable<z.output<Schema>>, inState: (path: string) => string): z.output<Schema>;
  /**
   * The file only one process may open, which the worker holding it serves to `edp query` on
   * `queryPort`; undefined for engines every process can connect to.
   */
  singleWriter?(section: NonNullable<z.output<Schema>>): { file: string; queryPort: number };
  /**
   * Runs `sql` only if it reads nothing but the warehouse's own tables (no files, no writes): what
   * `edp query` without `--write` runs on a single-writer engine's file; required with `singleWriter`.
   */
  readonly queryReadOnly?: (warehouse: Warehouse, sql: string) => Promise<Row[]>;
  /** The compute warehouse the connection uses, where the engine has such a thing (Snowflake). */
  computeWarehouse?(section: NonNullable<z.output<Schema>>): string | undefined;
  /** Classifies the engine driver's errors (`<engine>-errors.ts`); undefined for errors that are not its own. */
  readonly classifyError?: DriverErrorClassifier;
  /** How the engine masks PHI, restricts rows and reports reads (`<engine>-governance.ts`). */
  readonly governance?: GovernanceDialect;
  /**
   * The OpenLineage dataset namespace of the warehouse's tables, and the database that prefixes their names
   * (`<database>.<schema>.<table>`) where the engine has one; `<engine>://edp` and `schema.table` when undefined.
   */
  lineageNamespace?(section: NonNullable<z.output<Schema>>): { namespace: string; database?: string };
  /** What the engine's dbt adapter does beyond SQL models: files it reads and writes, grants it applies. */
  readonly dbtAdapter?: DbtAdapterCapabilities;
}

/** dbt adapter features an engine has (dbt-duckdb: external files; dbt-snowflake: grants). */
export interface DbtAdapterCapabilities {
  /** `materialized='external'` and sources with `external_location` (files read and written by the warehouse). */
  externalFiles?: boolean;
  /** `grants` configs run as `grant` / `revoke` statements after a build. */
  appliesGrants?: boolean;
  /** `alter … rename to` takes the new name with its schema (else a bare name, kept in the same schema). */
  qualifiedRename?: boolean;
}

/** Declares an engine, keeping its name and section types for the registry. */
export function defineEngine<Name extends string, Schema extends z.ZodTypeAny>(
  engine: Engine<Name, Schema>,
): Engine<Name, Schema> {
  return Object.freeze(engine);
}

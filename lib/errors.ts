/**
 * The platform's error family. Each member says whether a retry can help and, when a person must change
 * something, which config key or `file:line` (its `fix`). The activity boundary (`activities/errors.ts`)
 * maps members to Temporal failures by these fields, never by class name. Pure: no Node built-ins, no
 * Temporal imports, so lib/ and workflow code can throw members too.
 */

/** Error types the workflows see; `nonRetryable` ones need a person to fix input, config or SQL. */
export const ErrorType = Object.freeze({
  BadInput: 'EdpBadInput',
  BadSql: 'EdpBadSql',
  WarehouseBusy: 'EdpWarehouseBusy',
});

/** How an error maps to a Temporal failure: its type, whether a retry can help, and what a person must fix. */
export interface ErrorClassification {
  type: string;
  retryable: boolean;
  /** The config key (`warehouse.snowflake.stage.url`) or `file:line` to change; already in the message. */
  fix?: string;
}

/** Classifies one driver's errors (DuckDB, Snowflake); undefined for errors that are not its own. */
export type DriverErrorClassifier = (e: Error) => ErrorClassification | undefined;

/**
 * Marks family members. A registered symbol, so a member built by another copy of this module (another
 * realm, a second bundle) is still recognised where `instanceof` would fail.
 */
const EDP_ERROR = Symbol.for('edp.error');

/** Options of a family member: `fix` is prefixed to the message (`key: detail`); `cause` is kept as is. */
export interface EdpErrorOptions {
  fix?: string;
  cause?: unknown;
}

/** Base of the family: an error that knows its Temporal type, whether to retry, and what to fix. */
export class EdpError extends Error {
  readonly [EDP_ERROR] = true;
  readonly type: string;
  readonly retryable: boolean;
  readonly fix?: string;

  constructor(message: string, classification: { type: string; retryable: boolean }, options: EdpErrorOptions = {}) {
    super(
      options.fix ? `${options.fix}: ${message}` : message,
      options.cause === undefined ? {} : { cause: options.cause },
    );
    this.name = new.target.name;
    this.type = classification.type;
    this.retryable = classification.retryable;
    if (options.fix) this.fix = options.fix;
  }
}

/** Input a person must correct (a missing file, an unknown name); never retried. */
export class BadInputError extends EdpError {
  constructor(message: string, options?: EdpErrorOptions) {
    super(message, { type: ErrorType.BadInput, retryable: false }, options);
  }
}

/** An invalid configuration; `fix` is the config key (or the file) to change. */
export class ConfigError extends BadInputError {}

/** A mistake in a project file (a dbt model, a rule file); `fix` is the `file` or `file:line` to change. */
export class ProjectError extends BadInputError {}

/** SQL the warehouse refuses (syntax, unknown object, privileges); never retried. */
export class BadSqlError extends EdpError {
  constructor(message: string, options?: EdpErrorOptions) {
    super(message, { type: ErrorType.BadSql, retryable: false }, options);
  }
}

/** The warehouse is held by someone else for now; retried. */
export class WarehouseBusyError extends EdpError {
  constructor(message: string, options?: EdpErrorOptions) {
    super(message, { type: ErrorType.WarehouseBusy, retryable: true }, options);
  }
}

/** The family classification of `err`, read from its marker; undefined for errors outside the family. */
export function edpClassification(err: unknown): ErrorClassification | undefined {
  if (typeof err !== 'object' || err === null || (err as Record<symbol, unknown>)[EDP_ERROR] !== true) return undefined;
  const { type, retryable, fix } = err as Partial<ErrorClassification>;
  if (typeof type !== 'string' || typeof retryable !== 'boolean') return undefined;
  return typeof fix === 'string' ? { type, retryable, fix } : { type, retryable };
}

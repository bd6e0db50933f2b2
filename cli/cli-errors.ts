// The CLI's own errors, apart from cli/session.ts so that checking a command line loads no Temporal or warehouse code.

/** An error the user can act on: printed as its message alone. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** A command typed wrongly: exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

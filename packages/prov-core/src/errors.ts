/**
 * An error caused by the user's input (a bad file, argument, variable or path), as opposed to a bug.
 * The CLI prints its message as one line, without a stack trace, and exits non-zero.
 * The message must name the argument, variable or path at fault.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    message: string,
    /** The process exit code the CLI uses for it. */
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

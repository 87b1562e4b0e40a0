import { EXIT, type ExitCode } from './exit-codes.js';

/**
 * One error class per condition the CLI anticipates, each with a stable exit code. The CLI prints
 * these briefly (`details` lines, then `Error: message`); anything else is a bug and printed
 * with its stack (exit UNKNOWN_ERROR).
 */
export abstract class CliError extends Error {
  abstract readonly exitCode: ExitCode;
  /** Lines printed before the `Error:` line (diagnostics, per-issue lines, help text). */
  readonly details: readonly string[];
  constructor(message: string, options: { details?: readonly string[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.details = options.details ?? [];
  }
}

/** The config does not type-check, throws, refuses to compile, or the file is missing. */
export class InvalidConfigurationError extends CliError {
  override readonly name = 'InvalidConfigurationError';
  readonly exitCode = EXIT.INVALID_CONFIGURATION;
}

/** The command ran but did not achieve its goal (tasks ended FAILED, KILLED or LOST, ...). */
export class CommandFailureError extends CliError {
  override readonly name = 'CommandFailureError';
  readonly exitCode = EXIT.COMMAND_FAILURE;
}

/** Unknown command, unknown option, missing argument. `details` holds the help text. */
export class InvalidCommandError extends CliError {
  override readonly name = 'InvalidCommandError';
  readonly exitCode = EXIT.INVALID_COMMAND;
}

/** A malformed job key, an unknown cluster, a bad `--bind`. */
export class InvalidParameterError extends CliError {
  override readonly name = 'InvalidParameterError';
  readonly exitCode = EXIT.INVALID_PARAMETER;
}

/** The scheduler could not be reached: connection refused, timeout, DNS. */
export class NetworkError extends CliError {
  override readonly name = 'NetworkError';
  readonly exitCode = EXIT.NETWORK_ERROR;
}

/** The scheduler answered 403. */
export class PermissionError extends CliError {
  override readonly name = 'PermissionError';
  readonly exitCode = EXIT.PERMISSION_VIOLATION;
}

/** A wait (`--wait-until`, kill's wait) did not end in time. */
export class WaitTimeoutError extends CliError {
  override readonly name = 'WaitTimeoutError';
  readonly exitCode = EXIT.TIMEOUT;
}

/**
 * An update the command followed ended other than as asked and other than rolled back cleanly
 * (ABORTED, ERROR, FAILED): Aurora's client exits UNKNOWN_ERROR then, and so does this one, but
 * it is an outcome, not a bug, so it prints briefly.
 */
export class UpdateEndedError extends CliError {
  override readonly name = 'UpdateEndedError';
  readonly exitCode = EXIT.UNKNOWN_ERROR;
}

/** The scheduler answered with an error body (or with something this client cannot read). */
export class ApiCallError extends CliError {
  override readonly name = 'ApiCallError';
  readonly exitCode = EXIT.API_ERROR;
  constructor(
    /** The scheduler's stable error code (`JOB_EXISTS`, ...), or `BAD_RESPONSE` for an unreadable answer. */
    readonly code: string,
    message: string,
    readonly status: number,
    options: { details?: readonly string[]; cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** The scheduler answered 401. */
export class AuthError extends CliError {
  override readonly name = 'AuthError';
  readonly exitCode = EXIT.AUTH_ERROR;
}

/** SIGINT while a command waited. */
export class InterruptedError extends CliError {
  override readonly name = 'InterruptedError';
  readonly exitCode = EXIT.INTERRUPTED;
}

/** `aurora task scp` could not copy a file: refused, missing, too large. Exit 1, as scp's. */
export class CopyFailureError extends CliError {
  override readonly name = 'CopyFailureError';
  readonly exitCode = EXIT.COPY_FAILURE;
}

/** A program run for the user (`aurora task ssh` runs ssh) ended with a status the CLI ends with too. */
export class ChildExitError extends CliError {
  override readonly name = 'ChildExitError';
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
  }
}

/** The text a CLI prints for an error, and the exit code it ends with. Pure. */
export function describeError(err: unknown): { lines: string[]; exitCode: ExitCode } {
  if (err instanceof CliError) {
    return { lines: [...err.details, `Error: ${err.message}`], exitCode: err.exitCode };
  }
  const text = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
  return {
    lines: [`Error: unexpected failure (a bug in the aurora client; please report it with this trace):`, text],
    exitCode: EXIT.UNKNOWN_ERROR,
  };
}

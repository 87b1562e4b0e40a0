/**
 * Exit codes of the `aurora` and `aurora-admin` CLIs, with Apache Aurora's names and numbers
 * (apache/aurora src/main/python/apache/aurora/client/cli/__init__.py), so scripts written
 * against Aurora keep working.
 */
export const EXIT = {
  OK: 0,
  /** `aurora task scp` could not copy: a path outside the sandbox, missing, too large (scp's own status, which Aurora's client passed on). */
  COPY_FAILURE: 1,
  /**
   * The config file does not type-check, throws, or does not compile into a valid job; an Aurora
   * config given to `aurora config migrate` is not Python; a `{{docker.image[NAME][TAG]}}` the
   * cluster's Docker registry cannot pin (no such tag, no digest).
   */
  INVALID_CONFIGURATION: 3,
  /**
   * The command ran but did not achieve what it was asked to (tasks failed, ...); `aurora config
   * migrate` wrote a file that is left to finish by hand (constructs not translated, or it does
   * not type-check or compile) and `--allow-partial` was not given.
   */
  COMMAND_FAILURE: 4,
  /** Unknown command or malformed command line. */
  INVALID_COMMAND: 5,
  /** A parameter is malformed or names something unknown (job key, cluster). */
  INVALID_PARAMETER: 6,
  /** The scheduler could not be reached (or the cluster's Docker registry, to pin an image). */
  NETWORK_ERROR: 7,
  /** The scheduler refused the call (HTTP 403). */
  PERMISSION_VIOLATION: 8,
  /** Waiting for something took longer than allowed. */
  TIMEOUT: 9,
  /** The scheduler answered with an error. */
  API_ERROR: 10,
  /** A bug: an error nobody anticipated. Printed with its stack. */
  UNKNOWN_ERROR: 20,
  /** The scheduler did not accept the credentials (HTTP 401). */
  AUTH_ERROR: 30,
  /** Interrupted by the user (SIGINT). */
  INTERRUPTED: 130,
} as const;

export type ExitCodeName = keyof typeof EXIT;
export type ExitCode = (typeof EXIT)[ExitCodeName];

import { InvalidConfigurationError } from '../errors.js';

/** The InvalidConfigurationError `fn` throws; any other outcome fails the test. */
export function configFailure(fn: () => unknown): InvalidConfigurationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidConfigurationError) return err;
    throw err;
  }
  throw new Error('expected an InvalidConfigurationError');
}

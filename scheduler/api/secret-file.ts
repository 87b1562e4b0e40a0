import { readFileSync, statSync } from 'node:fs';

/**
 * Reading a secret from a file (the cluster's agent secret, given to the scheduler and to every
 * agent with `--agent-secret-file`): the file's first line, trimmed. Shared by both sides so that
 * they read it the same way.
 */

export class SecretFileError extends Error {
  override readonly name = 'SecretFileError';
}

export interface Secret {
  readonly value: string;
  /** Set when others than the file's owner may read it. */
  readonly warning: string | null;
}

export function readSecretFile(path: string): Secret {
  let text: string;
  let mode: number;
  try {
    text = readFileSync(path, 'utf8');
    mode = statSync(path).mode;
  } catch (e) {
    throw new SecretFileError(`cannot read the agent secret file ${path}: ${(e as Error).message}`);
  }
  const value = (text.split('\n')[0] ?? '').trim();
  if (value.length < 16) {
    throw new SecretFileError(`the agent secret in ${path} is ${value.length} characters long; use at least 16 (e.g. openssl rand -hex 32 > ${path})`);
  }
  const warning =
    (mode & 0o077) !== 0
      ? `the agent secret file ${path} can be read by others than its owner (mode ${(mode & 0o777).toString(8)}); chmod 600 it`
      : null;
  return { value, warning };
}

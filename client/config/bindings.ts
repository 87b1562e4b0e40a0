import type { Bindings } from '../../dsl/templates.js';
import { InvalidParameterError } from '../errors.js';

/** `--bind key=value` (repeatable) into bindings; the value may contain `=`. */
export function parseBindings(pairs: readonly string[]): Bindings {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq).trim();
    if (!key) throw new InvalidParameterError(`--bind '${pair}' is not key=value, for example --bind version=1.2`);
    out[key] = pair.slice(eq + 1);
  }
  return out;
}

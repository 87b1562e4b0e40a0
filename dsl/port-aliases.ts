/**
 * An announcer's portmap entries that alias another named port (`{ alias: 'http' }`): the alias is
 * the same port as its target, never a port of its own. Pure; the scheduler assigns the target's
 * number under both names.
 */
export function portAliases(announce: { readonly portmap: Readonly<Record<string, string | number>> } | null): [alias: string, target: string][] {
  if (!announce) return [];
  return Object.entries(announce.portmap)
    .filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== e[0] && !e[1].includes('{{') && !/^\d+$/.test(e[1]))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

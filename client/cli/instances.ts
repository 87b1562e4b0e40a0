/** Instance lists as the CLI prints them. */
/** `0-2,5` for [0, 1, 2, 5]. Pure. */
export function formatInstances(ids: readonly number[]): string {
  const ranges: string[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === (ids[j] as number) + 1) j++;
    ranges.push(i === j ? `${ids[i]}` : `${ids[i]}-${ids[j]}`);
    i = j + 1;
  }
  return ranges.join(',');
}

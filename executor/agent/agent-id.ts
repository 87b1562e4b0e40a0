import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The agent keeps the id the scheduler gave it, so that after a restart it comes back as itself. */

export function agentIdPath(dataDir: string): string {
  return join(dataDir, 'agent-id');
}

export async function loadAgentId(dataDir: string): Promise<string | undefined> {
  try {
    const id = (await readFile(agentIdPath(dataDir), 'utf8')).trim();
    return id === '' ? undefined : id;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function saveAgentId(dataDir: string, id: string): Promise<void> {
  const path = agentIdPath(dataDir);
  await writeFile(`${path}.tmp`, `${id}\n`);
  await rename(`${path}.tmp`, path);
}

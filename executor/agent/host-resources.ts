import { statfs } from 'node:fs/promises';
import { availableParallelism, totalmem } from 'node:os';
import type { AgentResources } from '../../scheduler/api/agent-protocol.js';

const MiB = 1024 * 1024;

/** What this host offers by default: every core, all memory, the free space of the data dir. */
export async function detectResources(dataDir: string): Promise<AgentResources> {
  let diskMb = 1;
  try {
    const fs = await statfs(dataDir);
    diskMb = Math.max(1, Math.floor((fs.bavail * fs.bsize) / MiB));
  } catch {
    // An unreadable file system offers the least there is; --disk-mb says otherwise.
  }
  return {
    cpu: availableParallelism(),
    ramMb: Math.max(1, Math.floor(totalmem() / MiB)),
    diskMb,
    gpu: 0,
  };
}

import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A temp directory for a test, with a helper to write files into it. */
export function tempDir(prefix = 'aurora-client-'): { dir: string; write(name: string, text: string): string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    dir,
    write(name, text) {
      const file = path.join(dir, name);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A string sink standing in for stdout or stderr. */
export function sink(): { write(chunk: string): boolean; text(): string } {
  let buf = '';
  return {
    write(chunk: string) {
      buf += chunk;
      return true;
    },
    text: () => buf,
  };
}

/** The hello world of Aurora's tutorial, as the README's example looks. */
export const HELLO_CONFIG = `import { Process, Task, Service, Resources, MB } from '@aurora/dsl';
const hello = Process({ name: 'hello', cmdline: 'while true; do echo hello world; sleep 5; done' });
export const jobs = [
  Service({
    cluster: 'devcluster',
    role: 'www-data',
    environment: 'prod',
    name: 'hello',
    task: Task({ processes: [hello], resources: Resources({ cpu: 0.1, ram: 16 * MB, disk: 16 * MB }) }),
  }),
];
`;

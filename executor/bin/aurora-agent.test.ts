import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { batchedLines, main, parseAttributes, parsePortRange, type CliResult } from './aurora-agent.js';

let dataDir: string;
let out: string[];
let err: string[];
const io = { stdout: (l: string) => out.push(l), stderr: (l: string) => err.push(l) };
let started: CliResult | null = null;
// Nothing listens on the discard port: the agent must keep trying without exiting.
const NO_SCHEDULER = 'http://127.0.0.1:9';

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'aurora-cli-'));
  out = [];
  err = [];
});

afterEach(async () => {
  await started?.agent?.close();
  started = null;
  await rm(dataDir, { recursive: true, force: true });
});

const run = (...argv: string[]) => main(argv, io, { handleSignals: false });

describe('aurora-agent', () => {
  it('prints one stdout line with the observer URL and keeps trying an absent scheduler', async () => {
    started = await run('--data-dir', dataDir, '--observer-port', '0', '--scheduler', NO_SCHEDULER, '--cpu', '2', '--attribute', 'rack=r1');
    expect(started.exitCode).toBe(0);
    expect(out).toHaveLength(1);
    const url = /^aurora-agent: observer at (http:\/\/127\.0\.0\.1:\d+)$/.exec(out[0] ?? '')?.[1];
    expect(url).toBeDefined();
    const page = await request(`${url}/`);
    expect(page.statusCode).toBe(200);
    await page.body.dump(); // what the page shows is the observer's business (executor/observer)
    expect(err.some((l) => /resource limits: (cgroup v[12]|the monitor)/.test(l))).toBe(true);
    await vi.waitFor(() => expect(err.some((l) => l.includes(`scheduler at ${NO_SCHEDULER}`) && l.endsWith('retrying'))).toBe(true));
  });

  it('refuses an unknown flag in one line', async () => {
    const result = await run('--bogus');
    expect(result.exitCode).toBe(2);
    expect(out).toEqual([]);
    expect(err).toEqual(['aurora-agent: Unknown argument: bogus (see --help)']);
  });

  it('says so when the observer port is taken', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      const result = await run('--data-dir', dataDir, '--observer-port', String(port), '--scheduler', NO_SCHEDULER);
      expect(result.exitCode).toBe(1);
      expect(out).toEqual([]);
      expect(err).toEqual([
        `aurora-agent: observer port 127.0.0.1:${port} is in use; pass --observer-port with a free port (0 picks one)`,
      ]);
    } finally {
      busy.close();
    }
  });

  it('checks port ranges and attributes', () => {
    expect(parsePortRange('31000-32000')).toEqual({ begin: 31000, end: 32000 });
    expect(() => parsePortRange('32000-31000')).toThrow('--port-range must look like 31000-32000');
    expect(parseAttributes(['rack=r1', 'zone=a=b'])).toEqual({ rack: 'r1', zone: 'a=b' });
    expect(() => parseAttributes(['rack'])).toThrow("--attribute must look like name=value, not 'rack'");
  });
});

describe('batched log lines', () => {
  it('writes once per turn, and at once when much waits (a console logger forwarding megabytes in one turn)', async () => {
    const batches: string[] = [];
    const lines = batchedLines((text) => batches.push(text));
    lines.write('a');
    lines.write('b');
    expect(batches).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual(['a\nb\n']);

    batches.length = 0;
    const line = 'x'.repeat(1000);
    for (let i = 0; i < 10_000; i++) lines.write(line); // 10 MB in one turn
    // Written along the way: what waits stays under a few hundred KiB.
    expect(batches.length).toBeGreaterThan(10);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(256 * 1024 + 1001);
    lines.flush();
    expect(batches.join('').length).toBe(10_000 * 1001);
  });
});

#!/usr/bin/env node
import module from 'node:module';

// As in client/bin/aurora.ts: Node 22.1+ caches compiled code on disk; Node 20 has no such cache.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const { runMain } = await import('../../client/cli/main.js');
const { createAdminCli } = await import('../cli.js');
await runMain((signal) => createAdminCli({ argv: process.argv.slice(2), stdout: process.stdout, stderr: process.stderr, signal }));

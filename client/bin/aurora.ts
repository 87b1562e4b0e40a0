#!/usr/bin/env node
import module from 'node:module';

// Node 22.1+ keeps V8's compiled code of the modules loaded below on disk, so a later run skips
// compiling them. Node 20 has no such cache (and no API for one), so there this does nothing.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const { createCli } = await import('../cli/index.js');
const { runMain } = await import('../cli/main.js');
await runMain((signal) => createCli({ argv: process.argv.slice(2), stdout: process.stdout, stderr: process.stderr, signal }));

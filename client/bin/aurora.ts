#!/usr/bin/env node
import { createCli } from '../cli/index.js';
import { runMain } from '../cli/main.js';

await runMain((signal) => createCli({ argv: process.argv.slice(2), stdout: process.stdout, stderr: process.stderr, signal }));

#!/usr/bin/env node
import { runMain } from '../../client/cli/main.js';
import { createAdminCli } from '../cli.js';

await runMain((signal) => createAdminCli({ argv: process.argv.slice(2), stdout: process.stdout, stderr: process.stderr, signal }));

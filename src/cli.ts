#!/usr/bin/env node
// The `weir` executable. Everything lives in src/app/cli.ts; this file only connects it
// to the process.
import { runCli } from './app/cli.js';

runCli({ argv: process.argv.slice(2), env: process.env, stderr: (line) => process.stderr.write(`${line}\n`) }).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`weir: ${String(err)}\n`);
    process.exit(1);
  },
);

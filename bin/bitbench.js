#!/usr/bin/env node
// Entry point of the `bitbench` command; the CLI is compiled from coordinator/cli/main.ts.
import { main } from '../dist/coordinator/cli/main.js';

process.exitCode = await main(process.argv.slice(2));

#!/usr/bin/env node
// Entry point for `latch-authenticator`, the command-line Latch Authenticator (see --help); runs
// dist/ like bin/latch.js.
import { importBuilt } from './built.js';

const { main } = await importBuilt('authenticator/cli/main.js');
await main(process.argv.slice(2));

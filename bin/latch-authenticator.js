#!/usr/bin/env node
// Entry point for `latch-authenticator`, the command-line Latch Authenticator (see --help).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/authenticator/cli/main.ts');
await main(process.argv.slice(2));

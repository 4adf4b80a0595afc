#!/usr/bin/env node
// Entry point for `latch` (npm start, npx latch). Latch runs its TypeScript sources through tsx,
// so there is no build step between editing and running.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');

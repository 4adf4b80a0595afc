#!/usr/bin/env node
// Entry point for `latch` (npm start, npx latch): runs the JavaScript compiled into dist/ by
// `npm run build`, which npm ci runs.
import { importBuilt } from './built.js';

await importBuilt('cli/main.js');

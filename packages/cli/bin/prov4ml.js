#!/usr/bin/env node
// Thin bin: all behaviour lives in run(argv) so it can be tested without spawning.
import { run } from '../dist/index.js';

await run(process.argv.slice(2));

#!/usr/bin/env node
// Thin bin: all behaviour lives in run(argv) so it can be tested without spawning.
// Loaded dynamically so that a limit too low to even load the modules (the loader opens them in
// parallel) is said in one line instead of a stack trace.
let run;
try {
  ({ run } = await import('../dist/index.js'));
} catch (error) {
  if (error?.code !== 'EMFILE') throw error;
  process.stderr.write(`prov4ml: too many open files while loading prov4ml (${error.path}): raise the open-file limit (\`ulimit -n\`, now below what loading needs, about 128)\n`);
  process.exit(1);
}
await run(process.argv.slice(2));

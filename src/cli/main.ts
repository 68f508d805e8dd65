import { buildProgram } from './program.js';

// The only place that turns an outcome into a process exit code.
let exitCode = 0;
const program = buildProgram((code) => {
  exitCode = code;
});
program.parseAsync(process.argv).then(
  () => process.exit(exitCode),
  (err: unknown) => {
    process.stderr.write(`tributary: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

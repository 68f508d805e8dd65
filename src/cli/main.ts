import { buildProgram } from './program.js';

// The only place that turns an outcome into a process exit code.
const program = buildProgram();
program.parseAsync(process.argv).then(
  () => undefined,
  (err: unknown) => {
    process.stderr.write(`tributary: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

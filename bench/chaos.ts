/**
 * Benchmark: the chaos check of test/integration/pipeline/chaos.test.ts, longer and with
 * its knobs exposed. `tributary start` snapshots a populated table under a writer while a
 * second table is written with an exactly-recorded history; SIGKILLs at seeded random
 * moments (restarted at once), broker and MariaDB restarts (ridden out by the same
 * process), then a graceful stop and the same checks. Prints the figures as JSON (kills,
 * outages, changes, lost, duplicates) and the problems, if any; exits 1 when there are.
 * Runs its own MariaDB (port 3311) and Kafka broker (19492/19493) and removes them after.
 *
 *   npx tsx bench/chaos.ts [--duration 180] [--kills 20] [--outages 2] [--seed N]
 *                          [--rows 300000] [--chunk 10] [--store kafka|file] [--delivery at_least_once|exactly_once]
 */
import { parseArgs } from 'node:util';
import { ChaosRun } from '../test/support/chaos-run.js';
import { chaosSeed } from '../test/support/chaos-plan.js';
import type { Delivery } from '../test/support/chaos-verdict.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '180' },
    kills: { type: 'string', default: '20' },
    outages: { type: 'string', default: '2' },
    seed: { type: 'string' },
    rows: { type: 'string', default: '300000' },
    chunk: { type: 'string', default: '10' },
    store: { type: 'string', default: 'kafka' },
    delivery: { type: 'string', default: 'at_least_once' },
  },
});
if (values.store !== 'kafka' && values.store !== 'file') throw new Error('--store must be kafka or file');
if (values.delivery !== 'at_least_once' && values.delivery !== 'exactly_once') throw new Error('--delivery must be at_least_once or exactly_once');

const seed = values.seed !== undefined ? Number(values.seed) : chaosSeed();
const log = (line: string) => console.error(`[${new Date().toISOString()}] ${line}`);
log(`seed ${seed}`);
const chaos = new ChaosRun({
  seed,
  delivery: values.delivery as Delivery,
  store: values.store,
  kills: Number(values.kills),
  outages: Number(values.outages),
  spanMs: Number(values.duration) * 1000,
  rows: Number(values.rows),
  chunk: Number(values.chunk),
  servers: { mariadbPort: 3311, instance: 'b-chaos', kafkaPort: 19492, controllerPort: 19493, stackDir: '.stack/b-chaos' },
  log,
});
let failed = true;
try {
  const result = await chaos.run();
  const problems = Object.fromEntries(Object.entries(result.verdict.problems).filter(([, v]) => v.length > 0));
  console.log(JSON.stringify({ ...result.figures, exit_code: result.exitCode, outage_failures: result.outageFailures.length, problems }, null, 2));
  failed = result.exitCode !== 0 || result.outageFailures.length > 0 || Object.keys(problems).length > 0;
} finally {
  await chaos.cleanup();
}
process.exitCode = failed ? 1 : 0;

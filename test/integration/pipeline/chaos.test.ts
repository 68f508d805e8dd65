/**
 * Chaos, sized for CI: `tributary start` snapshots a populated table under a writer while
 * a second table is written with an exactly-recorded history, against a MariaDB and a
 * Kafka broker of this test's own. Six SIGKILLs at random moments (the test restarts the
 * pipeline), one broker restart and one MariaDB restart (which the same process must ride
 * out), then a graceful stop. Nothing may be lost, no key may go back to an older version
 * except by an exact replay, and the snapshot markers must stay sane.
 *
 * Every random choice comes from one seed, printed first; TRIBUTARY_CHAOS_SEED=<seed>
 * replays the schedule. bench/chaos.ts is the long, parameterised version.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ChaosRun } from '../../support/chaos-run.js';
import { chaosSeed } from '../../support/chaos-plan.js';
import type { Delivery } from '../../support/chaos-verdict.js';

/** One chaos case; `delivery` is kafka.delivery ('exactly_once' also requires 0 duplicates and strict markers). */
async function chaosCase(t: TestContext, delivery: Delivery): Promise<void> {
  const seed = chaosSeed();
  t.diagnostic(`seed ${seed} (replay with TRIBUTARY_CHAOS_SEED=${seed})`);
  const chaos = new ChaosRun({
    seed,
    delivery,
    store: 'kafka',
    kills: 6,
    outages: 1,
    spanMs: 50_000,
    rows: 100_000,
    chunk: 10,
    servers: { mariadbPort: 3310, instance: 't-chaos', kafkaPort: 19392, controllerPort: 19393, stackDir: '.stack/t-chaos' },
    log: (line) => t.diagnostic(line),
  });
  t.after(() => chaos.cleanup());
  const result = await chaos.run();
  const f = result.figures;
  t.diagnostic(
    `${f.kills} kills (${f.killsMidSnapshot} mid-snapshot), outages: ${f.outages.join(', ')}; ${f.transactions} transactions, ${f.changes} changes written; ` +
      `${f.records} records read, ${f.duplicates} duplicates, ${f.rereads} snapshot rows read again; ${f.lost} lost; ${f.seconds} s`,
  );
  assert.deepEqual(result.outageFailures, [], 'an outage shorter than its retry bound ended the pipeline');
  assert.equal(result.exitCode, 0, result.output.slice(-3000));
  const failed = Object.fromEntries(Object.entries(result.verdict.problems).filter(([, v]) => v.length > 0));
  assert.deepEqual(failed, {}, `seed ${seed}`);
  assert.equal(f.outages.length, 2);
  assert.ok(f.killsMidSnapshot >= 1, `no kill landed during the snapshot (seed ${seed}): the run did not test what it should`);
}

test('chaos, at least once: random kill -9s, a broker and a MariaDB restart; nothing lost, nothing goes back', { timeout: 240_000 }, (t) => chaosCase(t, 'at_least_once'));

test('chaos, exactly once: the same, read_committed, with 0 duplicates', { timeout: 240_000 }, (t) => chaosCase(t, 'exactly_once'));

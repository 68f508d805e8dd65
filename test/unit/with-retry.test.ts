import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withRetry } from '../../src/with-retry.js';
import { TributaryError } from '../../src/errors/tributary-error.js';

const noSleep = async () => undefined;

test('retries retriable errors until success', async () => {
  let calls = 0;
  const result = await withRetry(
    async () => {
      calls++;
      if (calls < 3) throw new TributaryError('flaky', { code: 'KAFKA_PRODUCE', retriable: true });
      return 'ok';
    },
    { maxMs: 60_000, sleep: noSleep },
  );
  assert.equal(result, 'ok');
  assert.equal(calls, 3);
});

test('does not retry an error that is not retriable', async () => {
  let calls = 0;
  await assert.rejects(
    withRetry(async () => {
      calls++;
      throw new TributaryError('bad password', { code: 'MYSQL_AUTH' });
    }, { maxMs: 60_000, sleep: noSleep }),
    /bad password/,
  );
  assert.equal(calls, 1);
});

test('gives up once maxMs has passed, with the last error', async () => {
  let clock = 0;
  let calls = 0;
  await assert.rejects(
    withRetry(
      async () => {
        calls++;
        throw new TributaryError(`down ${calls}`, { code: 'KAFKA_CONNECT', retriable: true });
      },
      { maxMs: 1_000, initialDelayMs: 100, sleep: async (ms) => void (clock += ms), now: () => clock },
    ),
    (err: unknown) => err instanceof TributaryError && /down \d+/.test(err.message),
  );
  assert.ok(calls > 1 && calls < 10, `calls=${calls}`);
});

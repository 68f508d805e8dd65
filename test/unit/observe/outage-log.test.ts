import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OutageLog } from '../../../src/observe/outage-log.js';
import { TributaryError } from '../../../src/errors/tributary-error.js';
import { recordingLogger } from '../../support/recording-logger.js';


const down = new TributaryError('connect ECONNREFUSED', { code: 'KAFKA_CONNECT', retriable: true });

describe('OutageLog', () => {
  it('logs an outage once as it begins and once as it ends, with its length and attempts', () => {
    let now = 1_000;
    const log = recordingLogger();
    const outages = new OutageLog(log, () => now);
    assert.equal(outages.failing('Kafka', down, 60_000), 0);
    now += 2_500;
    assert.equal(outages.failing('Kafka', down, 60_000), 2_500);
    now += 1_700;
    assert.equal(outages.failing('Kafka', down, 60_000), 4_200);
    assert.deepEqual(outages.current, ['Kafka']);
    outages.recovered('Kafka');
    outages.recovered('Kafka');
    assert.deepEqual(log.lines, ['warn Kafka unavailable: connect ECONNREFUSED; retrying for up to 60 s', 'info Kafka available again after 4.2 s (3 failed attempt(s))']);
    assert.equal(outages.isFailing('Kafka'), false);
  });

  it('keeps outages of different dependencies apart', () => {
    const log = recordingLogger();
    const outages = new OutageLog(log, () => 0);
    outages.failing('Kafka', down, 1_000);
    outages.failing('MySQL', down, 5_000);
    outages.recovered('MySQL');
    assert.deepEqual(outages.current, ['Kafka']);
    assert.equal(log.lines.length, 3);
  });

  it('retry() reports the outage of a retried operation and its end', async () => {
    const log = recordingLogger();
    const outages = new OutageLog(log);
    let calls = 0;
    const result = await outages.retry(
      'binlog connection',
      async () => {
        if (++calls < 3) throw down;
        return 'ok';
      },
      { maxMs: 10_000, sleep: async () => undefined },
    );
    assert.equal(result, 'ok');
    assert.equal(calls, 3);
    assert.equal(log.lines.length, 2);
    assert.match(log.lines[0]!, /^warn binlog connection unavailable: connect ECONNREFUSED; retrying for up to 10 s$/);
    assert.match(log.lines[1]!, /^info binlog connection available again after [\d.]+ s \(2 failed attempt\(s\)\)$/);
  });

  it('retry() gives up with the error once the bound is spent, and never retries a non-retriable error', async () => {
    const outages = new OutageLog(recordingLogger());
    const fatal = new TributaryError('access denied', { code: 'MYSQL_AUTH' });
    let calls = 0;
    await assert.rejects(
      outages.retry('MySQL', async () => {
        calls++;
        throw fatal;
      }, { maxMs: 10_000, sleep: async () => undefined }),
      fatal,
    );
    assert.equal(calls, 1);
    let t = 0;
    await assert.rejects(
      outages.retry('MySQL', async () => {
        t += 400;
        throw down;
      }, { maxMs: 1_000, now: () => t, sleep: async () => undefined }),
      down,
    );
    assert.equal(outages.isFailing('MySQL'), true, 'an outage that outlasted its bound is still on');
  });
});

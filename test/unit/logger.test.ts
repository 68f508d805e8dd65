import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, defaultLogFormat } from '../../src/logger.js';

test('json: one object per line with time, level, pipeline, component, msg and the fields', () => {
  const lines: string[] = [];
  const log = createLogger('info', (l) => lines.push(l), 'tributary', { format: 'json', pipeline: 'shop' });
  log.child('binlog').warn('lost the connection', { code: 'MYSQL_CONNECT', fix: 'check [source] host', n: 12345678901234567890n, cause: new Error('ECONNRESET') });
  log.debug('not shown at info');
  assert.equal(lines.length, 1);
  assert.ok(lines[0]!.endsWith('\n'));
  assert.equal(lines[0]!.match(/"component"/g)?.length, 1, 'one component key per line');
  const o = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.match(String(o['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual({ ...o, time: undefined }, {
    time: undefined, level: 'warn', pipeline: 'shop', component: 'tributary.binlog', msg: 'lost the connection',
    code: 'MYSQL_CONNECT', fix: 'check [source] host', n: 12345678901234567890, cause: 'ECONNRESET',
  });
});

test('text: the same line for a person, fields as JSON at the end', () => {
  const lines: string[] = [];
  const log = createLogger('debug', (l) => lines.push(l), 'tributary', { format: 'text', pipeline: 'shop' });
  log.child('pipeline').info('streaming the binlog', { from: 'gtid 0-1-5' });
  log.error('plain');
  assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO  shop \[tributary\.pipeline\] streaming the binlog \{"from":"gtid 0-1-5"\}\n$/);
  assert.match(lines[1]!, /^\S+ ERROR shop \[tributary\] plain\n$/);
});

test('the default format is text on a terminal and JSON anywhere else', () => {
  assert.equal(defaultLogFormat({ isTTY: true }), 'text');
  assert.equal(defaultLogFormat({ isTTY: false }), 'json');
  assert.equal(defaultLogFormat({}), 'json');
});

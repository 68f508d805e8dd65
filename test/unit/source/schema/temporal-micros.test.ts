import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  daysFromCivil,
  parseDateDays,
  parseDateTimeMicros,
  parseTimeMicros,
} from '../../../../src/source/schema/temporal-micros.js';

test('daysFromCivil matches Date.UTC over the whole MySQL range, including years below 100', () => {
  for (const [y, m, d] of [
    [1970, 1, 1], [1969, 12, 31], [2000, 2, 29], [1900, 3, 1], [1000, 1, 1], [9999, 12, 31], [2024, 12, 31],
  ] as const) {
    assert.equal(daysFromCivil(y, m, d), Date.UTC(y, m - 1, d) / 86_400_000, `${y}-${m}-${d}`);
  }
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const early = new Date(0);
  early.setUTCFullYear(1, 0, 1);
  assert.equal(daysFromCivil(1, 1, 1), early.getTime() / 86_400_000);
  early.setUTCFullYear(0, 0, 1);
  assert.equal(daysFromCivil(0, 1, 1), early.getTime() / 86_400_000);
});

test('parseDateDays', () => {
  assert.equal(parseDateDays('1970-01-01'), 0);
  assert.equal(parseDateDays('1969-12-31'), -1);
  assert.equal(parseDateDays('1000-01-01'), -354_285);
  assert.equal(parseDateDays('9999-12-31'), 2_932_896);
  assert.equal(parseDateDays('0000-00-00'), null);
  assert.equal(parseDateDays('2020-05-00'), null);
  assert.equal(parseDateDays('2020-00-15'), null);
  assert.throws(() => parseDateDays('2020-5-01'), /malformed DATE/);
  assert.throws(() => parseDateDays('2020-13-01'), /malformed DATE/);
});

test('parseDateTimeMicros keeps every microsecond, as UTC wall clock', () => {
  assert.equal(parseDateTimeMicros('1970-01-01 00:00:00'), 0n);
  assert.equal(parseDateTimeMicros('1970-01-01 00:00:00.000001'), 1n);
  assert.equal(parseDateTimeMicros('1969-12-31 23:59:59.999999'), -1n);
  assert.equal(parseDateTimeMicros('9999-12-31 23:59:59.999999'), 253_402_300_799_999_999n);
  assert.equal(parseDateTimeMicros('1000-01-01 00:00:00.000000'), -30_610_224_000_000_000n);
  assert.equal(parseDateTimeMicros('2038-01-19 03:14:07.5'), 2_147_483_647_500_000n);
  assert.equal(parseDateTimeMicros('2038-01-19 03:14:07.12'), 2_147_483_647_120_000n);
  assert.equal(parseDateTimeMicros('2038-01-19 03:14:07.123'), 2_147_483_647_123_000n);
  assert.equal(parseDateTimeMicros('0000-00-00 00:00:00'), null);
  assert.equal(parseDateTimeMicros('0000-00-00 00:00:00.000000'), null);
  assert.equal(parseDateTimeMicros('2020-00-15 10:00:00'), null);
  assert.throws(() => parseDateTimeMicros('2020-01-15T10:00:00'), /malformed DATETIME/);
  assert.throws(() => parseDateTimeMicros('2020-01-15 10:00:00.1234567'), /malformed DATETIME/);
  assert.throws(() => parseDateTimeMicros('2020-01-15 24:00:00'), /malformed DATETIME/);
});

test('parseTimeMicros handles negative and beyond-24h durations', () => {
  assert.equal(parseTimeMicros('00:00:00'), 0n);
  assert.equal(parseTimeMicros('838:59:59.000000'), 3_020_399_000_000n);
  assert.equal(parseTimeMicros('-838:59:59.000000'), -3_020_399_000_000n);
  assert.equal(parseTimeMicros('838:59:59'), 3_020_399_000_000n);
  assert.equal(parseTimeMicros('-00:00:01.500000'), -1_500_000n);
  assert.equal(parseTimeMicros('-00:00:00.000001'), -1n);
  assert.equal(parseTimeMicros('25:00:00.5'), 90_000_500_000n);
  assert.equal(parseTimeMicros('12:34:56.78'), 45_296_780_000n);
  assert.throws(() => parseTimeMicros('1:00:00'), /malformed TIME/);
  assert.throws(() => parseTimeMicros('10:60:00'), /malformed TIME/);
  assert.throws(() => parseTimeMicros('10:00'), /malformed TIME/);
});

test('parseDateTimeMicros is exact on both sides of its Number shortcut (±2^53 µs, years 1685 and 2255)', () => {
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  let seed = 7;
  const next = (m: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % m;
  const cases: number[] = [];
  // Seconds around the shortcut's bounds, then random seconds over the whole DATETIME range.
  const bound = Math.floor(Number.MAX_SAFE_INTEGER / 1_000_000);
  for (const edge of [bound, -bound]) for (let d = -3; d <= 3; d++) cases.push(edge + d);
  for (let i = 0; i < 2000; i++) cases.push(-30_610_224_000 + next(46_341) * 6_000_000 + next(6_000_000));
  for (const seconds of cases) {
    const micros = next(1_000_000);
    const at = new Date(seconds * 1000);
    const text = `${pad(at.getUTCFullYear(), 4)}-${pad(at.getUTCMonth() + 1, 2)}-${pad(at.getUTCDate(), 2)} ` +
      `${pad(at.getUTCHours(), 2)}:${pad(at.getUTCMinutes(), 2)}:${pad(at.getUTCSeconds(), 2)}.${pad(micros, 6)}`;
    assert.equal(parseDateTimeMicros(text), BigInt(seconds) * 1_000_000n + BigInt(micros), text);
  }
});

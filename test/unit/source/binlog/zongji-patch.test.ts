/**
 * patches/@vlasky+zongji+0.9.0.patch (applied by patch-package on npm install) makes two
 * per-value helpers of zongji's row parser cheaper: zeroPad (every temporal value's text)
 * and parseIEEE754Float (every FLOAT and DOUBLE, which allocated two objects each), and
 * builds each row image with a function compiled per column list. These check that the
 * patched parts give what the originals gave; the type tests on both servers check the
 * values end to end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const zongjiDir = dirname(createRequire(import.meta.url).resolve('@vlasky/zongji'));
const common = (await import(pathToFileURL(join(zongjiDir, 'lib/common.js')).href)) as {
  zeroPad(num: number, size: number): string;
  parseIEEE754Float(high: number, low?: number): number;
};
type TableMap = { columns: { name: string }[] };
const rows = (await import(pathToFileURL(join(zongjiDir, 'lib/rows_event.js')).href)) as {
  tributaryRowMaker(tablemap: TableMap): (values: unknown[]) => Record<string, unknown>;
};

/** zongji's original zeroPad. */
function originalZeroPad(num: number, size: number): string {
  const s = '00000000000000000000000000000000' + num;
  return s.substr(s.length - size);
}

test('zeroPad gives the original text for every width and magnitude', () => {
  for (const num of [0, 1, 7, 10, 59, 99, 100, 999, 1000, 2026, 9999, 10000, 123456, 999999, 1234567, -1, -42]) {
    for (const size of [1, 2, 3, 4, 5, 6, 7, 8]) assert.equal(common.zeroPad(num, size), originalZeroPad(num, size), `${num} to ${size}`);
  }
});

test('parseIEEE754Float reads doubles and floats exactly, one after another', () => {
  const buf = Buffer.alloc(8);
  for (const v of [0, -0, 1.5, -2.25, Math.PI, Number.MAX_VALUE, Number.MIN_VALUE, -1e308, Infinity, 3.4028234663852886e38]) {
    buf.writeDoubleBE(v, 0);
    assert.ok(Object.is(common.parseIEEE754Float(buf.readUInt32BE(0), buf.readUInt32BE(4)), v), `double ${v}`);
    buf.writeFloatBE(v, 0);
    assert.ok(Object.is(common.parseIEEE754Float(buf.readUInt32BE(0)), buf.readFloatBE(0)), `float ${v}`);
  }
  buf.writeDoubleBE(NaN, 0);
  assert.ok(Number.isNaN(common.parseIEEE754Float(buf.readUInt32BE(0), buf.readUInt32BE(4))));
});

test('rows are built by column name from the table map\'s current columns, any name a plain property', () => {
  const names = ['id', 'a"b', 'e\\f', 'g\u2028h', '__proto__', 'constructor', '0'];
  const tablemap: TableMap = { columns: names.map((name) => ({ name })) };
  const row = rows.tributaryRowMaker(tablemap)(names.map((_, i) => i));
  assert.equal(Object.getPrototypeOf(row), Object.prototype);
  assert.deepEqual(Object.keys(row).sort(), [...names].sort());
  names.forEach((n, i) => assert.equal(Object.getOwnPropertyDescriptor(row, n)?.value, i, n));

  // zongji replaces `columns` at each TableMap event and may keep the map object: a rename
  // must show at once, and a list seen before reuses its function.
  const before = rows.tributaryRowMaker(tablemap);
  tablemap.columns = [{ name: 'id' }, { name: 'renamed' }];
  assert.deepEqual(rows.tributaryRowMaker(tablemap)([1, 2]), { id: 1, renamed: 2 });
  tablemap.columns = names.map((name) => ({ name }));
  assert.equal(rows.tributaryRowMaker(tablemap), before);
});

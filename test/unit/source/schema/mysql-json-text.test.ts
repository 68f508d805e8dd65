import { test } from 'node:test';
import assert from 'node:assert/strict';
import { doubleText, mysqlJsonText } from '../../../../src/source/schema/mysql-json-text.js';

test('doubles print as MySQL 9.7 prints them in JSON (measured with CAST(... AS JSON))', () => {
  const measured: [number, string][] = [
    [3, '3.0'],
    [100, '100.0'],
    [0.1, '0.1'],
    [-0, '-0.0'],
    [0, '0.0'],
    [1e14, '100000000000000.0'],
    [1e15, '1e15'],
    [2.5e15, '2.5e15'],
    [1234567890123456.8, '1234567890123456.8'],
    [9007199254740993, '9.007199254740992e15'],
    [1.2345678901234568e29, '1.2345678901234568e29'],
    [1e308, '1e308'],
    [-1.7976931348623157e308, '-1.7976931348623157e308'],
    [5e-324, '5e-324'],
    [1e-15, '0.000000000000001'],
    [1.5e-15, '0.0000000000000015'],
    [1e-16, '1e-16'],
    [-1e-7, '-0.0000001'],
    [0.000012345678901234568, '0.000012345678901234568'],
  ];
  assert.deepEqual(measured.map(([d]) => doubleText(d)), measured.map(([, text]) => text));
});

test('binary JSON: inlined and pointed-to values, nested containers, an empty document', () => {
  // {"a": [1, true, "x"]} as MySQL stores it: a small object with one key whose value is a
  // small array of count 3, size 15: int16 1 and literal true inlined, the string at offset 13.
  const arr = Buffer.from([3, 0, 15, 0, 0x05, 1, 0, 0x04, 1, 0, 0x0c, 13, 0, 1, 0x78]);
  const objHeader = 2 + 2 + 4 + 3; // count, size, one key entry, one value entry
  const key = Buffer.from('a');
  const obj = Buffer.concat([
    Buffer.from([1, 0, objHeader + key.length + arr.length, 0, objHeader, 0, 1, 0, 0x02, objHeader + key.length, 0]),
    key,
    arr,
  ]);
  assert.equal(mysqlJsonText(Buffer.concat([Buffer.from([0x00]), obj])), '{"a": [1, true, "x"]}');
  assert.equal(mysqlJsonText(Buffer.alloc(0)), 'null');
});

/** The one Avro long: exact over the whole signed 64-bit range, the standard varint bytes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import avro from 'avsc';
import { bigintLongType } from '../../../src/encode/bigint-long-type.js';

const record = avro.Type.forSchema(
  { type: 'record', name: 'R', fields: [{ name: 'v', type: 'long' }, { name: 'n', type: ['null', 'long'] }] },
  { registry: { long: bigintLongType } },
);

/** The zigzag varint of a signed 64-bit value, from its definition. */
function varint(v: bigint): Buffer {
  let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
  const out: number[] = [];
  do {
    let b = Number(z & 0x7fn);
    z >>= 7n;
    if (z > 0n) b |= 0x80;
    out.push(b);
  } while (z > 0n);
  return Buffer.from(out);
}

// avsc's own long is not the reference: it doubles in floating point and gets values near
// -2^53 wrong (it writes -(2^53 - 3) as -(2^53 - 2)); this is the varint by definition.
test('numbers and bigints of every size encode to the zigzag varint and decode back exactly', () => {
  const values = [0n, 1n, -1n, 63n, -64n, 64n, 2n ** 31n, -(2n ** 31n), 2n ** 52n - 1n, -(2n ** 52n) + 1n, 2n ** 52n, -(2n ** 52n), 2n ** 53n - 3n, -(2n ** 53n) + 3n, 2n ** 53n - 1n, -(2n ** 53n - 1n), 2n ** 53n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n)];
  for (const v of values) {
    const fromBigint = record.toBuffer({ v, n: v });
    assert.deepEqual(fromBigint, Buffer.concat([varint(v), Buffer.from([2]), varint(v)]), `bigint ${v}`);
    assert.deepEqual({ ...(record.fromBuffer(fromBigint) as object) }, { v, n: v });
    if (v >= -(2n ** 53n - 1n) && v <= 2n ** 53n - 1n) {
      const n = Number(v);
      assert.deepEqual(record.toBuffer({ v: n, n }), fromBigint, `number ${n}`);
    }
  }
});

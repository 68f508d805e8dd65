/** ChunkSizer: chunks bounded by bytes as well as rows, so wide rows don't multiply memory. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkSizer, rowBytes } from '../../../../src/source/snapshot/chunk-sizer.js';
import type { Row } from '../../../../src/model/change-event.js';

function rows(n: number, textBytes: number): Row[] {
  return Array.from({ length: n }, (_, i) => ({ id: BigInt(i), name: 'x'.repeat(textBytes), price: Buffer.alloc(6), n: i, gone: null }));
}

test('the first chunk is a small probe, then chunks are cut by the rows observed', () => {
  const sizer = new ChunkSizer(10_000, 512 * 1024);
  assert.equal(sizer.next(), 256);
  sizer.observe(rows(256, 100));
  const narrow = sizer.next();
  sizer.observe(rows(narrow, 10_000));
  const wide = sizer.next();
  const narrowBytes = narrow * rowBytes(rows(1, 100)[0]!);
  const wideBytes = wide * rowBytes(rows(1, 10_000)[0]!);
  assert.equal(narrow, Math.floor((512 * 1024) / rowBytes(rows(1, 100)[0]!)));
  assert.ok(wide < narrow / 50, `${wide} rows of 10 kB against ${narrow} of 100 bytes`);
  for (const b of [narrowBytes, wideBytes]) assert.ok(b <= 512 * 1024 && b > 400 * 1024, `${b} bytes per chunk`);
});

test('chunk_size still bounds the rows, a huge row still gets a chunk of one, an empty chunk changes nothing', () => {
  const sizer = new ChunkSizer(100, 512 * 1024);
  assert.equal(sizer.next(), 100);
  sizer.observe(rows(100, 10));
  assert.equal(sizer.next(), 100);
  sizer.observe(rows(3, 4 * 1024 * 1024));
  assert.equal(sizer.next(), 1);
  sizer.observe([]);
  assert.equal(sizer.next(), 1);
});

test('rowBytes counts string and binary lengths, 8 per number, nested values one level down', () => {
  assert.equal(rowBytes({ a: 'abc', b: Buffer.alloc(10), c: 1, d: 2n, e: null, f: true }), 6 + 3 + 10 + 8 + 8 + 1 + 1);
  assert.equal(rowBytes({ g: { wkb: Buffer.alloc(21), srid: 4326 } }), 1 + 21 + 8);
  assert.equal(rowBytes({ s: ['a', 'bb'] }), 1 + 3);
});

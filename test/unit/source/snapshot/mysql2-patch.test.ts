/**
 * patches/mysql2+3.24.6.patch (applied by patch-package on npm install) builds the text of a
 * binary-protocol DATE/DATETIME/TIMESTAMP (readDateTimeString, under every such value of a
 * snapshot chunk) by one concatenation instead of arrays, joins and a padding helper. This
 * checks that the patch is there and gives the original's text for every wire length,
 * fraction width, separator and column type; the type tests on both servers check the
 * values end to end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
// mysql2's exports map hides lib/: reach the files by path from its package directory.
const mysql2Dir = dirname(require.resolve('mysql2/package.json'));
type PacketCtor = new (id: number, buffer: Buffer, start: number, end: number) => {
  readDateTimeString(decimals: number, timeSep: string | undefined, columnType: number): string;
};
const Packet = require(join(mysql2Dir, 'lib/packets/packet.js')) as PacketCtor;
const Types = require(join(mysql2Dir, 'lib/constants/types.js')) as Record<string, number>;

/** mysql2 3.24.6's readDateTimeString, over the value's bytes (length byte first). */
function original(b: Buffer, decimals: number, timeSep: string | undefined, columnType: number): string {
  const leftPad = (num: number, value: number | string) => {
    const s = value.toString();
    return s.length >= num ? s : ('000000000000' + s).slice(-num);
  };
  let o = 0;
  const length = b[o++]!;
  let str = '0000-00-00';
  if (length > 3) {
    const y = b.readUInt16LE(o);
    o += 2;
    str = [leftPad(4, y), leftPad(2, b[o++]!), leftPad(2, b[o++]!)].join('-');
  }
  if (length > 6) {
    str += `${timeSep || ' '}${[leftPad(2, b[o++]!), leftPad(2, b[o++]!), leftPad(2, b[o++]!)].join(':')}`;
  } else if (columnType === Types.DATETIME || columnType === Types.TIMESTAMP) {
    str += ' 00:00:00';
  }
  if (length > 10) {
    let ms: number | string = b.readUInt32LE(o);
    str += '.';
    if (decimals) {
      ms = leftPad(6, ms);
      if (ms.length > decimals) ms = ms.substring(0, decimals);
    }
    str += ms;
  }
  return str;
}

function value(length: number, y: number, mo: number, d: number, h: number, mi: number, s: number, us: number): Buffer {
  const b = Buffer.alloc(12);
  b[0] = length;
  b.writeUInt16LE(y, 1);
  b.set([mo, d, h, mi, s], 3);
  b.writeUInt32LE(us, 8);
  return b;
}

test('the patch is applied (npm install runs patch-package)', () => {
  assert.doesNotMatch(Packet.prototype.readDateTimeString.toString(), /\.join\(/);
});

test('readDateTimeString gives the original text for every length, fsp, separator and type', () => {
  const years = [0, 1, 9, 10, 99, 100, 999, 1000, 1970, 2038, 9999];
  const parts: [number, number, number, number, number, number][] = [
    [0, 0, 0, 0, 0, 0], [1, 1, 0, 0, 0, 1], [9, 9, 9, 9, 9, 9], [10, 10, 10, 10, 10, 10],
    [12, 31, 23, 59, 59, 999_999], [2, 29, 12, 30, 5, 500_000], [7, 4, 1, 2, 3, 120],
  ];
  let checked = 0;
  for (const length of [0, 4, 7, 11]) {
    for (const y of years) {
      for (const [mo, d, h, mi, s, us] of parts) {
        const bytes = value(length, y, mo, d, h, mi, s, us);
        for (const decimals of [0, 1, 3, 6]) {
          for (const sep of [undefined, 'T']) {
            for (const type of [Types.DATETIME!, Types.TIMESTAMP!, Types.DATE!]) {
              const packet = new Packet(0, Buffer.concat([Buffer.alloc(4), bytes]), 0, bytes.length + 4);
              assert.equal(packet.readDateTimeString(decimals, sep, type), original(bytes, decimals, sep, type), `${bytes.toString('hex')} fsp ${decimals} ${sep} ${type}`);
              checked++;
            }
          }
        }
      }
    }
  }
  assert.equal(checked, 4 * years.length * parts.length * 4 * 2 * 3);
});

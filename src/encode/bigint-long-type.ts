import avro from 'avsc';
import type { Type } from 'avsc';

const MIN_LONG = -(2n ** 63n);
const MAX_LONG = 2n ** 63n - 1n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const TWO_32 = 2 ** 32;
const scratch = Buffer.alloc(8);

/**
 * The one Avro `long` Tributary uses everywhere (row columns and envelope alike).
 *
 * Writes accept a bigint in the signed 64-bit range or a JS number that is a safe
 * integer: the model carries `source.pos`, `ts_ms`, `server_id`... as numbers and
 * converting each to BigInt per row would allocate for nothing. Reads always return
 * bigint, so a consumer never loses precision above 2^53.
 */
const packedLongType: Type = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer): bigint => buf.readBigInt64LE(0),
  toBuffer: (value: bigint | number): Buffer => {
    // avsc packs the 8 bytes into the output immediately, so one scratch buffer serves
    // every write (encoding is synchronous).
    if (typeof value === 'number') {
      scratch.writeUInt32LE(value >>> 0, 0);
      scratch.writeInt32LE(Math.floor(value / TWO_32), 4);
    } else {
      scratch.writeBigInt64LE(value, 0);
    }
    return scratch;
  },
  fromJSON: (any: unknown): bigint => BigInt(any as string | number | bigint),
  // JSON has no 64-bit integers: a number when exact, else its decimal text.
  toJSON: (value: bigint | number): number | string =>
    typeof value === 'number' ? value : value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value.toString(),
  isValid: (value: unknown): boolean =>
    typeof value === 'bigint' ? value >= MIN_LONG && value <= MAX_LONG : Number.isSafeInteger(value),
  compare: (a: bigint | number, b: bigint | number): number => (a < b ? -1 : a > b ? 1 : 0),
});

/**
 * avsc writes a custom long through toBuffer and then re-packs the 8 bytes into a varint;
 * an integer below 2^52 in magnitude (a number or a bigint) takes avsc's own varint writer instead,
 * which gives the same bytes without the round trip. avsc freezes its types, so the fast
 * writer sits on an object derived from the frozen one (records call each field type's
 * `_write`); everything else is inherited.
 */
// avsc's writer doubles the value in floating point (2|n| + 1 for a negative), which is
// exact only below 2^53: so below 2^52 in magnitude.
const FAST_LIMIT = 2 ** 52;
const FAST_LIMIT_N = 2n ** 52n;
interface LongWriter {
  _write(tap: { writeLong(n: number): void }, value: bigint | number): void;
}
const packed = packedLongType as unknown as LongWriter;
const fast = Object.create(packedLongType) as LongWriter;
fast._write = (tap, value) => {
  if (typeof value === 'number' ? value > -FAST_LIMIT && value < FAST_LIMIT : value > -FAST_LIMIT_N && value < FAST_LIMIT_N) tap.writeLong(Number(value));
  else packed._write(tap, value);
};
Object.freeze(fast);

export const bigintLongType = fast as unknown as Type;

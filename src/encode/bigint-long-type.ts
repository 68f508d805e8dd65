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
export const bigintLongType: Type = avro.types.LongType.__with({
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

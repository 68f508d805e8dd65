import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decimalBytes, twosComplementBytes, unscaledDecimal } from '../../../../src/source/schema/decimal-bytes.js';

/** Reads big-endian two's complement back, independently of the encoder. */
function fromTwosComplement(bytes: Buffer): bigint {
  const unsigned = BigInt(`0x${bytes.toString('hex')}`);
  return BigInt.asIntN(bytes.length * 8, unsigned);
}

test('twosComplementBytes gives the minimal big-endian encoding', () => {
  const cases: [bigint, string][] = [
    [0n, '00'],
    [1n, '01'],
    [127n, '7f'],
    [128n, '0080'],
    [255n, '00ff'],
    [256n, '0100'],
    [-1n, 'ff'],
    [-128n, '80'],
    [-129n, 'ff7f'],
    [-256n, 'ff00'],
    [-32768n, '8000'],
    [-32769n, 'ff7fff'],
    [18446744073709551615n, '00ffffffffffffffff'],
    [-9223372036854775808n, '8000000000000000'],
  ];
  for (const [n, hex] of cases) {
    assert.equal(twosComplementBytes(n).toString('hex'), hex, `encoding of ${n}`);
  }
});

test('twosComplementBytes round-trips large magnitudes at minimal length', () => {
  const max65 = 10n ** 65n - 1n;
  for (const n of [max65, -max65, 2n ** 200n, -(2n ** 200n), -(2n ** 200n) - 1n, 2n ** 63n, -(2n ** 63n)]) {
    const bytes = twosComplementBytes(n);
    assert.equal(fromTwosComplement(bytes), n);
    // minimal: dropping the first byte must change the value
    if (bytes.length > 1) assert.notEqual(fromTwosComplement(bytes.subarray(1)), n);
  }
  // 10^65 - 1 needs 216 bits with the top one set, so a sign byte makes 28.
  assert.equal(twosComplementBytes(max65).length, 28);
});

test('unscaledDecimal scales text exactly and refuses to drop digits', () => {
  assert.equal(unscaledDecimal('-123.45', 2), -12345n);
  assert.equal(unscaledDecimal('0.5', 3), 500n);
  assert.equal(unscaledDecimal('-0.000001', 6), -1n);
  assert.equal(unscaledDecimal('7', 2), 700n);
  assert.equal(unscaledDecimal('18446744073709551615', 0), 18446744073709551615n);
  assert.throws(() => unscaledDecimal('1.234', 2), /more than 2 fraction digits/);
});

test('decimalBytes of DECIMAL(65,30) extremes', () => {
  const max = '99999999999999999999999999999999999.999999999999999999999999999999';
  assert.equal(fromTwosComplement(decimalBytes(max, 30)), 10n ** 65n - 1n);
  assert.equal(fromTwosComplement(decimalBytes(`-${max}`, 30)), -(10n ** 65n - 1n));
  assert.equal(decimalBytes('0.000000000000000000000000000000', 30).toString('hex'), '00');
  assert.equal(decimalBytes('-0.01', 2).toString('hex'), 'ff');
});

test('decimalBytes: the small-value path gives the general path\'s bytes, at and around its 2^47 limit', () => {
  const general = (text: string, scale: number) => twosComplementBytes(unscaledDecimal(text, scale)).toString('hex');
  const texts = ['0', '-0', '0.00', '-0.50', '.5', '7', '1.5', '127', '128', '-128', '-129', '255', '32767', '-32768', '-32769',
    '99999999.99', '-99999999.99', '140737488355.327', '140737488355.328', '-140737488355.328', '-140737488355.329',
    '140737488355327', '140737488355328', '999999999999999999.99', '007.10', '1', '12345678901234'];
  for (const text of texts) {
    for (const scale of [0, 1, 2, 3, 6]) {
      let expected: string | Error;
      try {
        expected = general(text, scale);
      } catch (err) {
        expected = err as Error;
      }
      if (expected instanceof Error) assert.throws(() => decimalBytes(text, scale), `${text} at scale ${scale} must be refused`);
      else assert.equal(decimalBytes(text, scale).toString('hex'), expected, `${text} at scale ${scale}`);
    }
  }
  // Random values across every length the small path takes, and a little past it.
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  for (let i = 0; i < 20_000; i++) {
    const digits = 1 + (next() % 17);
    let text = '';
    for (let d = 0; d < digits; d++) text += String(next() % 10);
    const scale = next() % 5;
    const cut = next() % (digits + 1);
    if (cut > 0 && digits - cut <= scale && next() % 2 === 0) text = `${text.slice(0, cut)}.${text.slice(cut)}`;
    if (next() % 2 === 0) text = `-${text}`;
    assert.equal(decimalBytes(text, scale).toString('hex'), general(text, scale), `${text} at scale ${scale}`);
  }
});

test('decimalBytes refuses what the general path refuses: extra fraction digits, signs and letters in the wrong place', () => {
  for (const [text, scale] of [['1.234', 2], ['1e5', 0], ['1.2.3', 3], ['12a', 0], ['--1', 0]] as const) {
    assert.throws(() => decimalBytes(text, scale), `${text}`);
  }
});

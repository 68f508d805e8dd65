import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fingerprintFromHex,
  fingerprintToHex,
  RABIN_EMPTY,
  rabinFingerprint64,
} from '../../../src/encode/rabin-fingerprint.js';

const fp = (text: string): bigint => rabinFingerprint64(Buffer.from(text, 'utf8'));

test('CRC-64-AVRO of the empty input is the EMPTY constant', () => {
  assert.equal(rabinFingerprint64(new Uint8Array(0)), RABIN_EMPTY);
});

test('CRC-64-AVRO matches the published values for primitive canonical forms', () => {
  // Values as Avro's Ruby, Go and C# test suites state them (64-bit, most significant first).
  assert.equal(fp('"int"'), 0x7275d51a3f395c8fn);
  assert.equal(fp('"string"'), 0x8f014872634503c7n);
  assert.equal(fp('"null"'), 7195948357588979594n);
});

test('fingerprint text is 16 lowercase hex digits, most significant first, and parses back', () => {
  assert.equal(fingerprintToHex(0x7275d51a3f395c8fn), '7275d51a3f395c8f');
  assert.equal(fingerprintToHex(0x1fn), '000000000000001f');
  assert.equal(fingerprintFromHex('7275d51a3f395c8f'), 0x7275d51a3f395c8fn);
  assert.equal(fingerprintFromHex('000000000000001f'), 0x1fn);
  assert.equal(fingerprintFromHex('7275d51a3f395c8'), null);
  assert.equal(fingerprintFromHex('7275d51a3f395c8g'), null);
});

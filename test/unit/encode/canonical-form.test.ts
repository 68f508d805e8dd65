import { test } from 'node:test';
import assert from 'node:assert/strict';
import { legacyCanonicalForm, parsingCanonicalForm } from '../../../src/encode/canonical-form.js';
import { legacySchemaFingerprint, schemaFingerprint } from '../../../src/encode/schema-fingerprint.js';

/** The fingerprint as the Avro Python test suite spells it: its 8 bytes little-endian, in hex. */
function leHex(schema: unknown): string {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(schemaFingerprint(schema));
  return b.toString('hex');
}

test('the fingerprint is the standard CRC-64-AVRO of the Parsing Canonical Form (Avro test vectors)', () => {
  const vectors: [unknown, string][] = [
    ['int', '8f5c393f1ad57572'],
    [{ type: 'int' }, '8f5c393f1ad57572'],
    ['float', '90d7a83ecb027c4d'],
    ['long', 'b71df49344e154d0'],
    ['double', '7e95ab32c035758e'],
    ['bytes', '651920c3da16c04f'],
    ['string', 'c70345637248018f'],
    ['boolean', '64f7d4a478fc429f'],
    ['null', '8a8f25cce724dd63'],
    [{ type: 'fixed', name: 'Test', size: 1 }, '6869897b4049355b'],
    [{ type: 'fixed', name: 'MyFixed', namespace: 'org.apache.hadoop.avro', size: 1 }, 'fadbd138e85bdf45'],
    [{ type: 'enum', name: 'Test', symbols: ['A', 'B'], doc: 'Doc String' }, '03a2f2c2e27f7a16'],
    [{ type: 'array', items: 'long' }, '715e2ea28bc91654'],
    [{ type: 'map', values: { type: 'enum', name: 'Test', symbols: ['A', 'B'] } }, 'df2ab0626f6b812d'],
    [['string', 'null', 'long'], '65a5be410d687566'],
    [{ type: 'record', name: 'Test', fields: [{ name: 'f', type: 'long' }] }, 'ed94e5f5e6eb588e'],
    [
      {
        type: 'record',
        name: 'Node',
        fields: [
          { name: 'label', type: 'string' },
          { name: 'children', type: { type: 'array', items: 'Node' } },
        ],
      },
      '52cba544c3e756b7',
    ],
    [
      { type: 'record', name: 'TestDoc', doc: 'Doc string', fields: [{ name: 'name', type: 'string', doc: 'Doc String' }] },
      '0e6660f02bcdc109',
    ],
  ];
  for (const [schema, expected] of vectors) {
    assert.equal(leHex(schema), expected, JSON.stringify(schema));
  }
});

test('named types get full names and are referred to by name after their first use', () => {
  const schema = {
    type: 'record',
    name: 'HandshakeRequest',
    namespace: 'org.apache.avro.ipc',
    fields: [
      { name: 'clientHash', type: { type: 'fixed', name: 'MD5', size: 16 } },
      { name: 'clientProtocol', type: ['null', 'string'] },
      { name: 'serverHash', type: 'MD5' },
      { name: 'meta', type: ['null', { type: 'map', values: 'bytes' }] },
    ],
  };
  assert.equal(
    parsingCanonicalForm(schema),
    '{"name":"org.apache.avro.ipc.HandshakeRequest","type":"record","fields":[{"name":"clientHash","type":{"name":"org.apache.avro.ipc.MD5","type":"fixed","size":16}},{"name":"clientProtocol","type":["null","string"]},{"name":"serverHash","type":"org.apache.avro.ipc.MD5"},{"name":"meta","type":["null",{"type":"map","values":"bytes"}]}]}',
  );
});

test('PCF drops logicalType, precision, scale, connect.* and the other attributes', () => {
  assert.equal(parsingCanonicalForm({ scale: 2, precision: 10, logicalType: 'decimal', type: 'bytes', doc: 'x' }), '"bytes"');
  assert.equal(parsingCanonicalForm({ type: 'long', 'connect.name': 'io.debezium.time.MicroTime' }), '"long"');
  assert.equal(
    parsingCanonicalForm({ type: 'fixed', name: 'd', namespace: 'n', size: '05', logicalType: 'decimal', precision: 9, scale: 3 }),
    '{"name":"n.d","type":"fixed","size":5}',
  );
  // The values Avro Java 1.12.1 SchemaNormalization.parsingFingerprint64 gives (test/decoders).
  assert.equal(leHex({ type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 }), leHex('bytes'));
});

test('the form Tributary 0.1 fingerprinted kept logicalType, precision and scale, in that order', () => {
  assert.equal(
    legacyCanonicalForm({ scale: 2, precision: 10, logicalType: 'decimal', type: 'bytes', doc: 'x' }),
    '{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}',
  );
  assert.equal(legacyCanonicalForm({ type: 'long', logicalType: 'timestamp-micros' }), '{"type":"long","logicalType":"timestamp-micros"}');
  assert.equal(
    legacyCanonicalForm({ type: 'fixed', name: 'd', namespace: 'n', size: '05', logicalType: 'decimal', precision: 9, scale: 3 }),
    '{"name":"n.d","type":"fixed","size":5,"logicalType":"decimal","precision":9,"scale":3}',
  );
  assert.equal(legacyCanonicalForm({ type: 'bytes', precision: 10, scale: 2 }), '"bytes"');
  assert.notEqual(legacySchemaFingerprint({ type: 'long', logicalType: 'timestamp-micros' }), schemaFingerprint('long'));
  assert.equal(legacySchemaFingerprint({ type: 'record', name: 'R', fields: [{ name: 'f', type: 'long' }] }), schemaFingerprint({ type: 'record', name: 'R', fields: [{ name: 'f', type: 'long' }] }));
});

test('malformed schemas are rejected with an ENCODE error', () => {
  assert.throws(() => parsingCanonicalForm({ type: 'record', fields: [] }), { code: 'ENCODE', message: /has no name/ });
  assert.throws(() => parsingCanonicalForm({ type: 'fixed', name: 'f', size: 1.5 }), { code: 'ENCODE', message: /size of f/ });
  assert.throws(() => parsingCanonicalForm(42), { code: 'ENCODE' });
});

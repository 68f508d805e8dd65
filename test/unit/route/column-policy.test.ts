import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { TributaryError } from '../../../src/errors/tributary-error.js';
import type { TableSchema } from '../../../src/model/table-schema.js';
import { ColumnPolicy, truncateCodePoints, type ColumnRulesConfig } from '../../../src/route/column-policy.js';
import { columnSpecOf, columnType, type ColumnType } from '../../../src/source/schema/column-type.js';
import { RowDecoder } from '../../../src/source/schema/row-decoder.js';

const rules = (r: Partial<ColumnRulesConfig> & { match: string }): ColumnRulesConfig => ({ exclude: [], hash: [], mask: {}, truncate: {}, ...r });

const TYPES: Record<string, ColumnType> = {
  id: columnType('integer', 'int'),
  email: columnType('text', 'varchar', { charset: 'utf8mb4' }),
  ssn: columnType('text', 'char', { charset: 'utf8mb4' }),
  phone: columnType('text', 'varchar', { charset: 'utf8mb4' }),
  note: columnType('text', 'text', { charset: 'utf8mb4' }),
  token: columnType('binary', 'varbinary'),
  amount: columnType('decimal', 'decimal', { precision: 10, scale: 2 }),
};

function decoder(policy: ColumnPolicy, names = Object.keys(TYPES), warnings: string[] = []): RowDecoder {
  const types = names.map((n) => TYPES[n] as ColumnType);
  const schema: TableSchema = { db: 'shop', table: 'customers', columns: names.map((n, i) => columnSpecOf(n, types[i] as ColumnType, true)), primaryKey: ['id'] };
  return new RowDecoder(schema, types, (m) => warnings.push(m), policy.forTable('shop', 'customers'));
}

const sha = (salt: string, value: string | Buffer) => createHash('sha256').update(salt).update(value).digest('hex');

test('exclude drops the column from the schema and the row; hash, mask and truncate replace values with strings', () => {
  const d = decoder(new ColumnPolicy([rules({ match: 'shop.*', exclude: ['ssn'], hash: ['email', 'token'], hash_salt: 's3', mask: { phone: 4 }, truncate: { note: 3 } })]));
  assert.deepEqual(d.schema.columns.map((c) => [c.name, c.avro]), [
    ['id', 'int'], ['email', 'string'], ['phone', 'string'], ['note', 'string'], ['token', 'string'],
    ['amount', { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2, 'connect.version': 1, 'connect.parameters': { scale: '2', 'connect.decimal.precision': '10' }, 'connect.name': 'org.apache.kafka.connect.data.Decimal' }],
  ]);
  const row = d.decode({ id: 7, email: 'a@b.c', ssn: '123-45-6789', phone: '+4912345', note: 'h😀llo', token: Buffer.from([1, 2]), amount: '1.50' });
  assert.deepEqual({ ...row, amount: undefined }, {
    id: 7, email: sha('s3', 'a@b.c'), phone: '****', note: 'h😀l', token: sha('s3', Buffer.from([1, 2])), amount: undefined,
  });
  assert.equal('ssn' in row, false);
  // NULL stays NULL under every rule.
  assert.deepEqual(d.decode({ id: 8, email: null, ssn: null, phone: null, note: null, token: null, amount: null }), {
    id: 8, email: null, phone: null, note: null, token: null, amount: null,
  });
});

test('include publishes only the named columns, plus the masked ones', () => {
  const d = decoder(new ColumnPolicy([rules({ match: 'shop.customers', include: ['id', 'amount'] }), rules({ match: '*.*', mask: { phone: 2 } })]));
  assert.deepEqual(d.schema.columns.map((c) => c.name), ['id', 'phone', 'amount']);
});

test('the same value hashes alike in every table and every run, and differently with another salt', () => {
  const a = new ColumnPolicy([rules({ match: '*.*', hash: ['email'], hash_salt: 'pepper' })]);
  const b = new ColumnPolicy([rules({ match: '*.*', hash: ['email'], hash_salt: 'pepper' })]);
  const c = new ColumnPolicy([rules({ match: '*.*', hash: ['email'], hash_salt: 'other' })]);
  const v = (p: ColumnPolicy) => decoder(p, ['id', 'email']).decode({ id: 1, email: 'x@y.z' })['email'];
  assert.equal(v(a), v(b));
  assert.equal(v(a), sha('pepper', 'x@y.z'));
  assert.notEqual(v(a), v(c));
});

test('a table no rule matches keeps its schema object, so schema identity still tells versions apart', () => {
  const policy = new ColumnPolicy([rules({ match: 'other.*', exclude: ['ssn'] })]);
  const types = [TYPES['id'] as ColumnType];
  const schema: TableSchema = { db: 'shop', table: 'customers', columns: [columnSpecOf('id', types[0] as ColumnType, false)], primaryKey: ['id'] };
  assert.equal(policy.forTable('shop', 'customers'), null);
  assert.equal(new RowDecoder(schema, types, () => undefined, policy.forTable('shop', 'customers')).schema, schema);
});

test('a primary-key column may be hashed, never dropped or masked; non-character columns cannot be masked', () => {
  const bad = (r: Partial<ColumnRulesConfig>) => () => decoder(new ColumnPolicy([rules({ match: 'shop.customers', ...r })]));
  assert.throws(bad({ exclude: ['id'] }), (e: unknown) => e instanceof TributaryError && e.code === 'CONFIG_INVALID' && /columns\[0\]\.exclude would remove primary-key column shop\.customers\.id/.test(e.message));
  assert.throws(bad({ include: ['email'] }), /columns\[0\]\.include would remove primary-key column shop\.customers\.id/);
  assert.throws(bad({ mask: { id: 3 } }), /would mask primary-key column/);
  assert.throws(bad({ truncate: { amount: 3 } }), /cannot truncate decimal\(10,2\) column shop\.customers\.amount: only character columns can be/);
  assert.throws(bad({ mask: { token: 3 } }), /cannot mask varbinary column .*only character columns can be/);
  assert.throws(bad({ hash: ['amount'], hash_salt: 'x' }), /cannot hash decimal\(10,2\) column .*only character columns, binary and integer ones can be/);
  // Hashing the key keeps distinct keys distinct.
  const d = decoder(new ColumnPolicy([rules({ match: 'shop.customers', hash: ['id'], hash_salt: 'k' })]), ['id', 'email']);
  assert.deepEqual(d.schema.primaryKey, ['id']);
  assert.equal(d.decode({ id: 5, email: 'e' })['id'], sha('k', '5'));
});

test('rules that name columns the table lacks are warned about, once per table version', () => {
  const warnings: string[] = [];
  decoder(new ColumnPolicy([rules({ match: 'shop.customers', exclude: ['sssn'] })]), ['id', 'ssn'], warnings);
  assert.deepEqual(warnings, ['[[columns]] names sssn, which shop.customers does not have']);
});

test('truncateCodePoints counts characters, never splits a surrogate pair', () => {
  assert.equal(truncateCodePoints('abc', 5), 'abc');
  assert.equal(truncateCodePoints('😀😀😀', 2), '😀😀');
  assert.equal(truncateCodePoints('a😀b', 2), 'a😀');
  assert.equal(truncateCodePoints('abc', 0), '');
});

// TIMESTAMP values must not depend on the process time zone: run in one far from UTC.
process.env.TZ = 'Asia/Kolkata';

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type mysql from 'mysql2/promise';
import type { Row } from '../../../../src/model/change-event.js';
import { TributaryError } from '../../../../src/errors/tributary-error.js';
import { TableFilter } from '../../../../src/route/table-filter.js';
import { ChunkQuery } from '../../../../src/source/snapshot/chunk-query.js';
import { ChunkReader, rowKey, type KeyCursor, type SnapshotTable } from '../../../../src/source/snapshot/chunk-reader.js';
import {
  adminConnection,
  BinlogReader,
  PIPELINE_USER,
  randomSuffix,
} from '../schema/binlog-zongji-harness.js';
import { ON_MYSQL } from '../../../support/stack.js';

const db = `t_chunk_${randomSuffix()}`;
let admin: mysql.Connection;
let binlog: BinlogReader;
let reader: ChunkReader;
const warnings: string[] = [];

const MIXED_A = [-2147483648, -5, -1, 0, 7, 2147483647];
// Server order under utf8mb4_general_ci: case-insensitive, 'é' sorts as 'e', trailing spaces pad.
const MIXED_B = ['a', 'B', 'c', 'é', 'z '];
const BIG_S = ['-9223372036854775808', '-9007199254740993', '9007199254740992', '9007199254740993', '9007199254740994', '9223372036854775807'];
const BIG_U = ['0', '18446744073709551613', '18446744073709551614', '18446744073709551615'];
const DECIMALS = ['-99999999999999999999.9999999999', '0.0000000000', '12345678901234567890.0000000001', '12345678901234567890.0000000002'];
const DATETIMES = ['1970-01-01 00:00:00.000000', '2024-01-01 00:00:00.000001', '2024-01-01 00:00:00.000002', '9999-12-31 23:59:59.999999'];
const BINARIES = ['', '00', '0000', '7f', '80', 'ff'];
const ENUMS = ['z', 'a', 'm'];

function doubleLE(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return b;
}

const product = <A, B>(as: readonly A[], bs: readonly B[]): [A, B][] => as.flatMap((a) => bs.map((b): [A, B] => [a, b]));

/** Inserted row counts per table, to wait for their binlog events. */
const INSERTED: Record<string, number> = {};

async function insert(table: string, columns: string, tuples: string[]): Promise<void> {
  await admin.query(`INSERT INTO ${db}.${table} (${columns}) VALUES ${tuples.join(', ')}`);
  INSERTED[table] = (INSERTED[table] ?? 0) + tuples.length;
}

before(async () => {
  admin = await adminConnection();
  await admin.query(`CREATE DATABASE ${db}`);
  await admin.query(`
    CREATE TABLE ${db}.mixed (a INT NOT NULL, b VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL, v INT, PRIMARY KEY (a, b));
    CREATE TABLE ${db}.big (s BIGINT NOT NULL, u BIGINT UNSIGNED NOT NULL, PRIMARY KEY (s, u));
    CREATE TABLE ${db}.dec_time (d DECIMAL(30,10) NOT NULL, t DATETIME(6) NOT NULL, note VARCHAR(10), PRIMARY KEY (d, t));
    CREATE TABLE ${db}.bin_enum (b VARBINARY(8) NOT NULL, e ENUM('z','a','m') NOT NULL, PRIMARY KEY (b, e));
    CREATE TABLE ${db}.wide (a INT NOT NULL, b INT NOT NULL, pad CHAR(50) NOT NULL DEFAULT '', PRIMARY KEY (a, b));
    CREATE TABLE ${db}.uniq (x INT, n INT NULL, p INT NOT NULL, q INT NOT NULL, r INT NOT NULL,
      UNIQUE KEY nn (n), UNIQUE KEY z2 (p, q), UNIQUE KEY a1 (r));
    CREATE TABLE ${db}.prefix_uniq (s VARCHAR(20) NOT NULL, x INT, UNIQUE KEY sp (s(4)));
    CREATE TABLE ${db}.nullable_uniq (x INT, n INT NULL, UNIQUE KEY nn (n));
    CREATE TABLE ${db}.unkeyed (x INT, s VARCHAR(10));
    CREATE TABLE ${db}.empty (id INT PRIMARY KEY);
    CREATE TABLE ${db}.kitchen (
      id BIGINT NOT NULL PRIMARY KEY, ti TINYINT, iu INT UNSIGNED, d DECIMAL(10,2) NOT NULL, f FLOAT, dbl DOUBLE,
      b1 BIT(1), b10 BIT(10), l1 VARCHAR(20) CHARACTER SET latin1, tx TEXT CHARACTER SET utf8mb4,
      bn BINARY(4), dt DATE NOT NULL, ts TIMESTAMP(6) NULL, tm TIME(6), yr YEAR, en ENUM('x','y'), st SET('p','q'),
      js JSON, pt POINT);
    CREATE VIEW ${db}.a_view AS SELECT * FROM ${db}.mixed;
  `);
  binlog = new BinlogReader(db);
  await binlog.start();
  await insert('mixed', 'a, b, v', product(MIXED_A, MIXED_B).map(([a, b], i) => `(${a}, '${b}', ${i})`));
  await insert('big', 's, u', product(BIG_S, BIG_U).map(([s, u]) => `(${s}, ${u})`));
  await insert('dec_time', 'd, t, note', product(DECIMALS, DATETIMES).map(([d, t], i) => `(${d}, '${t}', 'n${i}')`));
  await insert('bin_enum', 'b, e', product(BINARIES, ENUMS).map(([b, e]) => `(x'${b}', '${e}')`));
  await insert('wide', 'a, b', product([...Array(100).keys()], [...Array(20).keys()]).map(([a, b]) => `(${a}, ${b})`));
  await insert('uniq', 'x, n, p, q, r', ['(1, NULL, 2, 1, 9)', '(2, NULL, 1, 5, 8)', '(3, 7, 1, 2, 7)']);
  await insert('prefix_uniq', 's, x', [`('bbbb-1', 1)`, `('aaaa-2', 2)`]);
  await insert('nullable_uniq', 'x, n', ['(1, NULL)', '(2, NULL)', '(3, 1)']);
  await insert('unkeyed', 'x, s', [`(1, 'one')`, `(1, 'one')`, `(2, NULL)`]);
  await insert('kitchen', 'id, ti, iu, d, f, dbl, b1, b10, l1, tx, bn, dt, ts, tm, yr, en, st, js, pt', [
    `(9007199254740993, -128, 4294967295, -12345678.91, 3.4028234e38, 0.1, b'1', b'1000000001', 'caf\u00e9 \u20ac', 'x😀y',
      x'00ff0001', '2024-02-29', '2038-01-19 03:14:07.999999', '-838:59:59.000000', 2155, 'y', 'p,q', '{"n": 12345678901234567890}',
      ST_GeomFromText('POINT(1.5 -2)', 4326))`,
  ]);
  await admin.query(`ANALYZE TABLE ${db}.wide`);
  reader = new ChunkReader(PIPELINE_USER, { warn: (m) => warnings.push(m) });
});

after(async () => {
  await reader?.close();
  await binlog?.stop();
  await admin?.query(`DROP DATABASE IF EXISTS ${db}`);
  await admin?.end();
});

/** Every row through cursors that go through JSON, as a checkpoint stores them. */
async function pageAll(t: SnapshotTable, limit: number): Promise<{ rows: Row[]; keys: string[]; chunks: number }> {
  const rows: Row[] = [];
  const keys: string[] = [];
  let cursor: KeyCursor | null = null;
  // `more` of each chunk must tell whether the next one has rows.
  let more: boolean | null = null;
  for (let chunks = 0; chunks < 10_000; chunks++) {
    const chunk = await reader.readChunk(t, cursor, limit);
    assert.equal(chunk.rows.length, chunk.keys.length);
    assert.ok(chunk.rows.length <= limit);
    if (chunk.rows.length < limit) assert.equal(chunk.more, false, 'a short chunk is the last');
    if (chunk.rows.length === 0) {
      assert.equal(chunk.last, null);
      assert.notEqual(more, true, 'the chunk before said more rows followed');
      return { rows, keys, chunks };
    }
    if (more !== null) assert.equal(more, true, 'the chunk before said it was the last');
    more = chunk.more;
    rows.push(...chunk.rows);
    keys.push(...chunk.keys);
    cursor = JSON.parse(JSON.stringify(chunk.last)) as KeyCursor;
  }
  throw new Error('pagination did not end');
}

/** Pages with several chunk sizes; every one must give exactly the rows of one ordered read. */
async function assertPagesExactly(table: string, expectedCount: number): Promise<Row[]> {
  const t = await reader.describe(db, table);
  const whole = await reader.readChunk(t, null, 100_000);
  assert.equal(whole.rows.length, expectedCount);
  assert.equal(new Set(whole.keys).size, expectedCount, 'keys are distinct');
  for (const limit of [1, 2, 3, 7, expectedCount, expectedCount + 1]) {
    const paged = await pageAll(t, limit);
    assert.deepEqual(paged.rows, whole.rows, `chunk size ${limit}`);
    assert.deepEqual(paged.keys, whole.keys, `chunk size ${limit}`);
    assert.equal(paged.chunks, Math.ceil(expectedCount / limit), 'non-empty chunks');
  }
  return whole.rows;
}

function fromTwosComplement(bytes: unknown): bigint {
  assert.ok(Buffer.isBuffer(bytes));
  return BigInt.asIntN(bytes.length * 8, BigInt(`0x${bytes.toString('hex')}`));
}

function decimalText(bytes: unknown, scale: number): string {
  const n = fromTwosComplement(bytes);
  const digits = (n < 0n ? -n : n).toString().padStart(scale + 1, '0');
  return `${n < 0n ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

test('INT + case-insensitive VARCHAR key pages in server order, each row once, negatives included', async () => {
  const rows = await assertPagesExactly('mixed', 30);
  assert.deepEqual(
    rows.map((r) => [r.a, r.b]),
    product(MIXED_A, MIXED_B),
  );
});

test('BIGINT near ±2^63 and 2^53 and BIGINT UNSIGNED near max page exactly (no DOUBLE comparison)', async () => {
  const rows = await assertPagesExactly('big', 24);
  assert.deepEqual(
    rows.map((r) => [String(r.s), fromTwosComplement(r.u).toString()]),
    product(BIG_S, BIG_U),
  );
});

test('DECIMAL(30,10) and DATETIME(6) keys page exactly', async () => {
  const rows = await assertPagesExactly('dec_time', 16);
  const micros = (text: string) => BigInt(Date.parse(`${text.slice(0, 19)}Z`)) * 1000n + BigInt(text.slice(20));
  assert.deepEqual(
    rows.map((r) => [decimalText(r.d, 10), r.t]),
    product(DECIMALS, DATETIMES).map(([d, t]) => [d, micros(t)]),
  );
});

test('VARBINARY orders bytewise and ENUM by ordinal, as ORDER BY does', async () => {
  const rows = await assertPagesExactly('bin_enum', 18);
  assert.deepEqual(
    rows.map((r) => [(r.b as Buffer).toString('hex'), r.e]),
    product(BINARIES, ENUMS),
  );
});

test('the cursor is the last key as the server returned it, and survives JSON', async () => {
  const big = await reader.describe(db, 'big');
  const first = await reader.readChunk(big, null, 2);
  assert.deepEqual(first.last, ['-9223372036854775808', '18446744073709551613']);
  const bin = await reader.describe(db, 'bin_enum');
  const chunk = await reader.readChunk(bin, null, 5);
  // x'00' with ENUM 'a' (ordinal 2): binary as base64, ENUM as its ordinal.
  assert.deepEqual(chunk.last, [{ b64: 'AA==' }, 2]);
  const again = await reader.readChunk(bin, JSON.parse(JSON.stringify(chunk.last)) as KeyCursor, 1);
  assert.deepEqual(again.rows, [{ b: Buffer.from('00', 'hex'), e: 'm' }]);
  await assert.rejects(reader.readChunk(bin, [1], 1), (e: unknown) => e instanceof TributaryError && e.code === 'SNAPSHOT');
});

test('the chunk query is an index range scan on a two-column primary key', async () => {
  const t = await reader.describe(db, 'wide');
  assert.equal(t.estimatedRows > 0, true);
  const chunk = await reader.readChunk(t, null, 1010);
  assert.deepEqual(chunk.last, [50, 9]);
  const query = new ChunkQuery(t);
  // MySQL 9 prints a tree by default; the table form has the same columns as MariaDB's.
  if (ON_MYSQL) await admin.query("SET SESSION explain_format = 'TRADITIONAL'");
  const [plan] = await admin.execute(`EXPLAIN ${query.after} LIMIT 100`, query.parameters(chunk.last as KeyCursor) as never);
  const row = (plan as Record<string, unknown>[])[0];
  assert.equal(row?.key, 'PRIMARY');
  assert.equal(row?.type, 'range');
  const next = await reader.readChunk(t, chunk.last, 3);
  assert.deepEqual(next.rows.map((r) => [r.a, r.b]), [[50, 10], [50, 11], [50, 12]]);
  // The look-ahead row is not part of the chunk: the cursor is after the third row.
  assert.deepEqual(next.last, [50, 12]);
  assert.equal(next.more, true);
});

test('without a PRIMARY KEY: the promoted unique NOT NULL index is the key; a nullable unique index never is', async () => {
  const uniq = await reader.describe(db, 'uniq');
  // The server promotes the first-defined unique NOT NULL index, not the narrowest.
  assert.deepEqual(uniq.schema.primaryKey, ['p', 'q']);
  assert.deepEqual(uniq.chunkKey, ['p', 'q']);
  assert.deepEqual((await pageAll(uniq, 1)).rows.map((r) => r.x), [3, 2, 1]);

  const prefix = await reader.describe(db, 'prefix_uniq');
  // A unique index on a column prefix is not promoted, but still orders chunks exactly.
  assert.deepEqual(prefix.schema.primaryKey, []);
  assert.deepEqual(prefix.chunkKey, ['s']);
  assert.deepEqual((await pageAll(prefix, 1)).rows.map((r) => r.s), ['aaaa-2', 'bbbb-1']);

  const nullable = await reader.describe(db, 'nullable_uniq');
  assert.deepEqual(nullable.schema.primaryKey, []);
  assert.deepEqual(nullable.chunkKey, []);
  assert.equal(await reader.countRows(nullable), 3);
});

test('unkeyed tables: exact count and every row in one read; chunked reads refuse', async () => {
  const t = await reader.describe(db, 'unkeyed');
  assert.deepEqual(t.chunkKey, []);
  assert.equal(await reader.countRows(t), 3);
  const rows = await reader.readAll(t);
  const sorted = rows.map((r) => JSON.stringify(r)).sort();
  assert.deepEqual(sorted, [{ x: 1, s: 'one' }, { x: 1, s: 'one' }, { x: 2, s: null }].map((r) => JSON.stringify(r)).sort());
  await assert.rejects(reader.readChunk(t, null, 10), (e: unknown) => e instanceof TributaryError && e.code === 'SNAPSHOT');
});

test('an empty table gives an empty chunk and no cursor', async () => {
  const t = await reader.describe(db, 'empty');
  assert.deepEqual(await reader.readChunk(t, null, 10), { rows: [], keys: [], last: null, more: false });
  assert.equal(await reader.countRows(t), 0);
  assert.deepEqual(await reader.readAll(t), []);
});

test('describe() builds the schema the binlog path builds, and rows and row keys match the binlog', async () => {
  const total = Object.values(INSERTED).reduce((a, b) => a + b, 0);
  const binlogRows = await binlog.waitForRows(total, 30_000);
  for (const table of Object.keys(INSERTED)) {
    const t = await reader.describe(db, table);
    const fromBinlog = binlogRows.filter((r) => r.table === table);
    assert.equal(fromBinlog.length, INSERTED[table]);
    assert.deepEqual(t.schema, fromBinlog[0]?.schema, `schema of ${table}`);
    if (t.chunkKey.length === 0) {
      const all = (await reader.readAll(t)).map((r) => JSON.stringify(r)).sort();
      assert.deepEqual(all, fromBinlog.map((r) => JSON.stringify(r.row)).sort(), `rows of ${table}`);
      continue;
    }
    const read = await reader.readChunk(t, null, 100_000);
    const byKey = new Map(read.keys.map((k, i) => [k, read.rows[i]]));
    for (const b of fromBinlog) {
      const key = rowKey(b.row, t.chunkKey);
      assert.ok(byKey.has(key), `${table}: binlog key ${key} not among the snapshot keys`);
      assert.deepEqual(byKey.get(key), b.row, `${table} row ${key}`);
    }
  }
  const kitchen = binlogRows.find((r) => r.table === 'kitchen');
  assert.equal(kitchen?.row.id, 9007199254740993n);
  assert.equal(kitchen?.row.ts, '2038-01-19T03:14:07.999999Z');
  // POINT(1.5 -2) in SRID 4326, from the binlog and (above) from the SELECT alike, in the
  // stored axis order: MySQL reads the text latitude first and stores longitude first.
  const [x, y] = ON_MYSQL ? [-2, 1.5] : [1.5, -2];
  const wkb = Buffer.concat([Buffer.from('0101000000', 'hex'), doubleLE(x), doubleLE(y)]);
  assert.deepEqual(kitchen?.row.pt, { x, y, wkb, srid: 4326 });
  assert.deepEqual(warnings, []);
});

test('listTables: base tables the filter includes, sorted; views left out', async () => {
  const filter = new TableFilter([`${db}.*`], [`${db}.wide`]);
  assert.deepEqual(await reader.listTables(filter), [
    'big', 'bin_enum', 'dec_time', 'empty', 'kitchen', 'mixed', 'nullable_uniq', 'prefix_uniq', 'uniq', 'unkeyed',
  ].map((table) => ({ db, table })));
});

test('a missing table or a view is SCHEMA_UNKNOWN_TABLE with a fix', async () => {
  for (const table of ['no_such_table', 'a_view']) {
    await assert.rejects(reader.describe(db, table), (e: unknown) => {
      assert.ok(e instanceof TributaryError);
      assert.equal(e.code, 'SCHEMA_UNKNOWN_TABLE');
      assert.ok(e.fix && e.fix.includes(`${db}.${table}`));
      return true;
    });
  }
});

test('close() is idempotent and later reads fail', async () => {
  const other = new ChunkReader(PIPELINE_USER, { warn: () => {} });
  const t = await other.describe(db, 'mixed');
  assert.equal((await other.readChunk(t, null, 1)).rows.length, 1);
  await other.close();
  await other.close();
  await assert.rejects(other.readChunk(t, null, 1), (e: unknown) => e instanceof TributaryError && e.code === 'PIPELINE');
});

test('a wrong password is MYSQL_AUTH through the mysql edge', async () => {
  const bad = new ChunkReader({ ...PIPELINE_USER, password: 'wrong' }, { warn: () => {} });
  await assert.rejects(bad.describe(db, 'mixed'), (e: unknown) => e instanceof TributaryError && e.code === 'MYSQL_AUTH');
  await bad.close();
});

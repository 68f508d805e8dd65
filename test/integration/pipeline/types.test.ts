/**
 * Every MySQL type Tributary maps (docs/type-mapping.md), end to end: written to MariaDB,
 * carried by the real pipeline, read back from Kafka and decoded with nothing but the
 * schemas topic. Values and published Avro types are asserted exactly, for the row images
 * of inserts, of updates (before and after) and of a delete.
 */
// TIMESTAMP and DATETIME values must not depend on the process time zone: run far from UTC,
// at an offset that is not a whole hour.
process.env.TZ = 'Asia/Kolkata';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deleteTopics, ON_MYSQL, ownDatabase, testKafka } from '../../support/stack.js';
import { decoderFromSchemasTopic, readDecoded, type DecodedRecord } from '../../support/topic-reader.js';
import { runPipeline, testPipelineConfig, waitFor, type TestPipelineConfig } from '../../support/pipeline-harness.js';
import { decodeDecimal } from '../../support/decimal.js';
import { rowValueFields } from '../../support/row-value-fields.js';
import { COLUMNS, DATE, TS, TIME, WKB, ZONED_TS, decimal, geometryExpected, geometrySelect, named } from '../../support/every-type-columns.js';
import { geometryAvroType } from '../../../src/source/schema/geometry-value.js';

type Kafka = ReturnType<typeof testKafka>;

const GEOMETRY = COLUMNS.filter((c) => c.sets[0][1] === WKB).map((c) => ({ name: c.name, point: c.ddl === 'POINT' }));
const DECIMAL_SCALE = new Map(
  COLUMNS.flatMap((c) => (typeof c.avro === 'object' && (c.avro as { logicalType?: string }).logicalType === 'decimal' ? [[c.name, (c.avro as { scale: number }).scale]] : [])),
);

type SetIndex = 0 | 1 | 2 | 'null';

function assignments(set: SetIndex): string {
  return COLUMNS.map((c) => `${c.name} = ${set === 'null' ? 'NULL' : c.sets[set][0]}`).join(', ');
}

/** Decimals (column name -> scale) as exact text, so rows compare with deepEqual. */
function readable(row: Record<string, unknown> | null, scales: ReadonlyMap<string, number> = DECIMAL_SCALE): Record<string, unknown> | null {
  if (!row) return row;
  const out = { ...row };
  for (const [name, scale] of scales) if (Buffer.isBuffer(out[name])) out[name] = decodeDecimal(out[name], scale);
  return out;
}

async function records(kafka: Kafka, cfg: TestPipelineConfig, table: string, count: number): Promise<DecodedRecord[]> {
  let got: DecodedRecord[] = [];
  await waitFor(async () => {
    got = await readDecoded(kafka, cfg.schemasTopic, [cfg.topicFor(table)]);
    return got.length >= count;
  }, 30_000, () => `have ${got.length} of ${count} records of ${table}`);
  assert.equal(got.length, count, `${table}: exactly ${count} records`);
  return got;
}

function summary(r: DecodedRecord): unknown[] {
  return [r.value?.op ?? 'tombstone', r.key, readable(r.value?.before ?? null), readable(r.value?.after ?? null)];
}

/** The published fields of a record's row, as [name, type] pairs. */
async function publishedFields(kafka: Kafka, cfg: TestPipelineConfig, r: DecodedRecord): Promise<unknown[]> {
  const decoder = await decoderFromSchemasTopic(kafka, cfg.schemasTopic);
  const json = decoder.schemaJson(r.valueFingerprint!);
  assert.ok(json, 'the value schema is on the schemas topic');
  return rowValueFields(json).map((f) => ('default' in f ? [f.name, f.type, f.default] : [f.name, f.type]));
}

test('every MySQL type reaches Kafka exactly, with its Avro type, in insert, update and delete images', async (t) => {
  const db = await ownDatabase('t_types');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query(`CREATE TABLE every_type (id INT PRIMARY KEY, ${COLUMNS.map((c) => `${c.name} ${c.ddl}`).join(', ')})`);
  await db.conn.query("SET SESSION time_zone = '+00:00'");
  const pipeline = await runPipeline(cfg);
  try {
    // Rows 1..4 start as sets A, B, C and NULL; each is then updated to the next set, so
    // every set is checked as an after image of an insert, and as a before and an after
    // image of an update.
    const start: SetIndex[] = [0, 1, 2, 'null'];
    const next: SetIndex[] = [1, 2, 'null', 0];
    for (let i = 0; i < 4; i++) await db.conn.query(`INSERT INTO every_type SET id = ${i + 1}, ${assignments(start[i]!)}`);
    const [wkbRows] = await db.conn.query(
      `SELECT id, ${GEOMETRY.map((g) => geometrySelect(g.name)).join(', ')} FROM every_type WHERE id <= 3 ORDER BY id`,
    );
    const wkb = (wkbRows as Record<string, unknown>[]).map((r) => Object.fromEntries(GEOMETRY.map((g) => [g.name, geometryExpected(r, g.name, g.point)])));
    assert.equal(wkb.length, 3);
    // The SRIDs under test really are 0 (published as null), 4326 and 3857.
    assert.deepEqual(wkb.map((r) => (r['pt'] as { srid: unknown }).srid), [null, 4326, 3857]);
    for (let i = 0; i < 4; i++) await db.conn.query(`UPDATE every_type SET ${assignments(next[i]!)} WHERE id = ${i + 1}`);
    await db.conn.query('DELETE FROM every_type WHERE id = 2');

    const rowOf = (id: number, set: SetIndex): Record<string, unknown> => {
      const row: Record<string, unknown> = { id };
      for (const c of COLUMNS) {
        if (set === 'null') row[c.name] = null;
        else row[c.name] = c.sets[set][1] === WKB ? wkb[set]![c.name] : c.sets[set][1];
      }
      return row;
    };
    const got = await records(kafka, cfg, 'every_type', 10);
    const expected = [
      ...[1, 2, 3, 4].map((id, i) => ['c', { id }, null, rowOf(id, start[i]!)]),
      ...[1, 2, 3, 4].map((id, i) => ['u', { id }, rowOf(id, start[i]!), rowOf(id, next[i]!)]),
      ['d', { id: 2 }, rowOf(2, 2), null],
      ['tombstone', { id: 2 }, null, null],
    ];
    // Column by column first, so a failure names the type that broke.
    for (let r = 0; r < expected.length; r++) {
      const [op, key, before, after] = expected[r] as [string, unknown, Record<string, unknown> | null, Record<string, unknown> | null];
      const [gotOp, gotKey, gotBefore, gotAfter] = summary(got[r]!) as typeof expected[number];
      assert.equal(gotOp, op, `record ${r}`);
      assert.deepEqual(gotKey, key, `record ${r} key`);
      for (const [image, want, have] of [['before', before, gotBefore], ['after', after, gotAfter]] as const) {
        if (want === null) {
          assert.equal(have, null, `record ${r} ${image}`);
          continue;
        }
        for (const name of Object.keys(want)) {
          assert.deepEqual((have as Record<string, unknown>)[name], want[name], `record ${r} (${op} id ${String((key as { id: number }).id)}) ${image}.${name}`);
        }
      }
    }
    assert.deepEqual(got.map(summary), expected);
    assert.equal(new Set(got.slice(0, 9).map((r) => r.valueFingerprint)).size, 1, 'one schema for the unchanged table');

    assert.deepEqual(await publishedFields(kafka, cfg, got[0]!), [
      ['id', 'int'],
      ...COLUMNS.map((c) => [c.name, ['null', c.avro], null]),
    ]);
    assert.deepEqual(pipeline.logs.filter((l) => / (WARN|ERROR) /.test(l)), [], 'no value needed a warning');
  } finally {
    await pipeline.stop();
  }
});

test('NOT NULL columns are plain types, except DATE, DATETIME and TIMESTAMP, which may hold zero dates', async (t) => {
  const db = await ownDatabase('t_types_nn');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query(`CREATE TABLE nn (
    id BIGINT UNSIGNED PRIMARY KEY, i INT NOT NULL, iu INT UNSIGNED NOT NULL, d DECIMAL(10,2) NOT NULL,
    f FLOAT NOT NULL, b1 BIT(1) NOT NULL, b3 BIT(3) NOT NULL, s VARCHAR(5) NOT NULL, bl BLOB NOT NULL,
    dt DATE NOT NULL, dtm DATETIME(6) NOT NULL, ts TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    tm TIME(6) NOT NULL, yr YEAR NOT NULL, en ENUM('on','off') NOT NULL, js JSON NOT NULL, g POINT NOT NULL)`);
  await db.conn.query("SET SESSION time_zone = '+00:00'");
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query(`INSERT INTO nn VALUES (18446744073709551615, -7, 7, 12345678.91, -2.5, b'1', b'101', 'hé', x'c301',
      '2024-02-29', '2024-02-29 23:59:59.5', '2024-02-29 00:00:00.25', '-12:34:56.789', 2024, 'off', '{}', POINT(3, 4))`);
    const [geo] = await db.conn.query(`SELECT ${geometrySelect('g')} FROM nn`);
    const [got] = await records(kafka, cfg, 'nn', 1);
    const day = Date.UTC(2024, 1, 29) / 86_400_000;
    assert.deepEqual(readable(got!.value!.after, new Map([['d', 2]])), {
      id: Buffer.from([0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), i: -7, iu: 7n, d: '12345678.91',
      f: -2.5, b1: true, b3: Buffer.from([5]), s: 'hé', bl: Buffer.from([0xc3, 0x01]),
      dt: day, dtm: BigInt(day) * 86_400_000_000n + 86_399_500_000n, ts: '2024-02-29T00:00:00.250000Z',
      tm: -(12n * 3600n + 34n * 60n + 56n) * 1_000_000n - 789_000n, yr: 2024, en: 'off', js: '{}',
      g: { x: 3, y: 4, wkb: geometryExpected((geo as Record<string, unknown>[])[0]!, 'g', true)!.wkb, srid: null },
    });
    // The key is a BIGINT UNSIGNED too: decimal(20,0), so the top of its range survives.
    assert.equal(decodeDecimal(got!.key!.id as Buffer, 0), '18446744073709551615');
    assert.deepEqual(await publishedFields(kafka, cfg, got!), [
      ['id', decimal(20, 0)], ['i', 'int'], ['iu', 'long'], ['d', decimal(10, 2)], ['f', 'float'],
      ['b1', 'boolean'], ['b3', named('bytes', 'io.debezium.data.Bits', { length: '3' })], ['s', 'string'], ['bl', 'bytes'],
      ['dt', ['null', DATE], null], ['dtm', ['null', TS], null], ['ts', ['null', ZONED_TS], null],
      ['tm', TIME], ['yr', named('int', 'io.debezium.time.Year')], ['en', named('string', 'io.debezium.data.Enum', { allowed: 'on,off' })],
      ['js', ON_MYSQL ? named('string', 'io.debezium.data.Json') : 'string'], ['g', geometryAvroType('point')],
    ]);
  } finally {
    await pipeline.stop();
  }
});

test('TIMESTAMP is the UTC instant whatever the writing session\'s time zone, in the snapshot and the stream', async (t) => {
  const db = await ownDatabase('t_types_tz');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'initial' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE tz (id INT PRIMARY KEY, ts TIMESTAMP(6) NULL, ts3 TIMESTAMP(3) NULL, ts0 TIMESTAMP NULL)');
  // Half an hour off a whole hour, so neither the session's nor the process's zone can hide.
  await db.conn.query("SET SESSION time_zone = '+05:30'");
  const write = async (id: number) => {
    await db.conn.query(`INSERT INTO tz VALUES (${id}, NOW(6), NOW(3), NOW())`);
    // 05:30 in +05:30 is midnight UTC: a literal whose instant is known without the server.
    await db.conn.query(`INSERT INTO tz VALUES (${id + 1}, '2024-02-29 05:30:00.000000', '2024-02-29 05:30:00.000', '2024-02-29 05:30:00')`);
  };
  await write(1); // rows 1, 2: the snapshot
  const pipeline = await runPipeline(cfg);
  try {
    await records(kafka, cfg, 'tz', 2);
    await write(11); // rows 11, 12: the stream
    const got = await records(kafka, cfg, 'tz', 4);
    // The instant from the server as epoch seconds, which no session zone changes.
    const [rows] = await db.conn.query(
      'SELECT id, CAST(UNIX_TIMESTAMP(ts) AS CHAR) AS ts, CAST(UNIX_TIMESTAMP(ts3) AS CHAR) AS ts3, CAST(UNIX_TIMESTAMP(ts0) AS CHAR) AS ts0 FROM tz ORDER BY id',
    );
    const iso = (epoch: string, fsp: number) => {
      const [seconds, fraction = ''] = epoch.split('.');
      const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
      return fsp === 0 ? `${whole}Z` : `${whole}.${fraction.padEnd(fsp, '0').slice(0, fsp)}Z`;
    };
    const expected = (rows as Record<string, string>[]).map((r) => ({ id: Number(r['id']), ts: iso(r['ts']!, 6), ts3: iso(r['ts3']!, 3), ts0: iso(r['ts0']!, 0) }));
    assert.deepEqual(got.map((r) => [r.value!.op, r.value!.after]), expected.map((row) => [row.id < 10 ? 'r' : 'c', row]));
    const midnight = { ts: '2024-02-29T00:00:00.000000Z', ts3: '2024-02-29T00:00:00.000Z', ts0: '2024-02-29T00:00:00Z' };
    assert.deepEqual([got[1]!.value!.after, got[3]!.value!.after], [{ id: 2, ...midnight }, { id: 12, ...midnight }]);
    // NOW() really was written at +05:30: the session's own text differs from the UTC instant.
    const [local] = await db.conn.query("SELECT DATE_FORMAT(ts, '%Y-%m-%d %H:%i:%s.%f') AS ts FROM tz WHERE id = 12");
    assert.equal((local as Record<string, string>[])[0]!['ts'], '2024-02-29 05:30:00.000000');
  } finally {
    await pipeline.stop();
  }
});

test('spatial columns carry their SRID alike from the snapshot and the stream (every spatial type, SRIDs 0, 4326, 3857)', async (t) => {
  const db = await ownDatabase('t_types_geo');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'initial' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  const columns = { pt: 'POINT', g: 'GEOMETRY', ls: 'LINESTRING', pg: 'POLYGON', mpt: 'MULTIPOINT', mls: 'MULTILINESTRING', mpg: 'MULTIPOLYGON', gc: 'GEOMETRYCOLLECTION' };
  await db.conn.query(`CREATE TABLE geo (id INT PRIMARY KEY, ${Object.entries(columns).map(([c, ddl]) => `${c} ${ddl}`).join(', ')})`);
  const values = (srid: number) => [
    `ST_GeomFromText('POINT(10 -20.5)', ${srid})`, `ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))', ${srid})`,
    `ST_GeomFromText('LINESTRING(0 0,1 1,2 0)', ${srid})`, `ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0),(1 1,2 1,2 2,1 1))', ${srid})`,
    `ST_GeomFromText('MULTIPOINT((1 1),(2 2))', ${srid})`, `ST_GeomFromText('MULTILINESTRING((0 0,1 1),(2 2,3 3))', ${srid})`,
    `ST_GeomFromText('MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))', ${srid})`,
    `ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))', ${srid})`,
  ].join(', ');
  const SRIDS = [0, 4326, 3857];
  // Rows 1-3 for the snapshot, 11-13 (the same values) for the stream.
  for (const [i, srid] of SRIDS.entries()) await db.conn.query(`INSERT INTO geo VALUES (${i + 1}, ${values(srid)})`);
  const pipeline = await runPipeline(cfg);
  try {
    await records(kafka, cfg, 'geo', 3); // the snapshot, before the stream's rows exist
    for (const [i, srid] of SRIDS.entries()) await db.conn.query(`INSERT INTO geo VALUES (${i + 11}, ${values(srid)})`);
    const names = Object.keys(columns);
    const [server] = await db.conn.query(`SELECT id, ${names.map((c) => geometrySelect(c)).join(', ')} FROM geo ORDER BY id`);
    const expected = (server as Record<string, unknown>[]).map((r) => ({
      id: r['id'],
      ...Object.fromEntries(names.map((c) => [c, geometryExpected(r, c, c === 'pt')])),
    }));
    const got = await records(kafka, cfg, 'geo', 6);
    assert.deepEqual(got.map((r) => [r.value!.op, r.value!.after]), expected.map((row) => [(row.id as number) < 10 ? 'r' : 'c', row]));
    assert.deepEqual(got.map((r) => (r.value!.after as { g: { srid: unknown } }).g.srid), [null, 4326, 3857, null, 4326, 3857]);
    assert.equal(new Set(got.map((r) => r.valueFingerprint)).size, 1, 'the snapshot and the stream publish one schema');
    // One definition of each record; the later columns refer to it by name.
    assert.deepEqual(await publishedFields(kafka, cfg, got[0]!), [
      ['id', 'int'],
      ['pt', ['null', geometryAvroType('point')], null],
      ['g', ['null', geometryAvroType('geometry')], null],
      ...names.slice(2).map((c) => [c, ['null', 'io.debezium.data.geometry.Geometry'], null]),
    ]);
  } finally {
    await pipeline.stop();
  }
});

test('zero and partial dates become null, with one warning per column', async (t) => {
  const db = await ownDatabase('t_types_zero');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query("SET SESSION sql_mode = ''");
  await db.conn.query(`CREATE TABLE z (id INT PRIMARY KEY, d DATE NOT NULL, dn DATE NULL, dtm DATETIME(6) NOT NULL,
    ts TIMESTAMP(6) NOT NULL DEFAULT '0000-00-00 00:00:00.000000', yr YEAR NULL, n INT NOT NULL)`);
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query(`INSERT INTO z VALUES
      (1, '0000-00-00', '2020-00-15', '0000-00-00 00:00:00', '0000-00-00 00:00:00', 0, 1),
      (2, '2020-01-00', '0000-00-00', '2020-01-00 10:00:00.5', '0000-00-00 00:00:00', '0000', 2)`);
    await db.conn.query("INSERT INTO z VALUES (3, '0000-00-00', NULL, '0000-00-00 00:00:00', '0000-00-00 00:00:00', NULL, 3)");
    await db.conn.query('UPDATE z SET n = n + 10');
    const got = await records(kafka, cfg, 'z', 6);
    const row = (id: number, n: number, yr: number | null) => ({ id, d: null, dn: null, dtm: null, ts: null, yr, n });
    assert.deepEqual(got.map(summary), [
      ['c', { id: 1 }, null, row(1, 1, 0)],
      ['c', { id: 2 }, null, row(2, 2, 0)],
      ['c', { id: 3 }, null, row(3, 3, null)],
      ['u', { id: 1 }, row(1, 1, 0), row(1, 11, 0)],
      ['u', { id: 2 }, row(2, 2, 0), row(2, 12, 0)],
      ['u', { id: 3 }, row(3, 3, null), row(3, 13, null)],
    ]);
    const warnings = pipeline.logs.filter((l) => l.includes('zero or partial'));
    assert.deepEqual(
      ['d', 'dn', 'dtm', 'ts'].map((c) => warnings.filter((l) => l.includes(`${db.name}.z.${c}:`)).length),
      [1, 1, 1, 1],
      warnings.join(''),
    );
    assert.equal(warnings.length, 4, warnings.join(''));
    assert.ok(warnings.every((l) => l.includes(' WARN ')), warnings.join(''));
  } finally {
    await pipeline.stop();
  }
});

test('latin1 text keeps all of 0x80-0x9F: cp1252 characters, and C1 controls for the five bytes cp1252 leaves undefined', async (t) => {
  const db = await ownDatabase('t_types_latin1');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query(`CREATE TABLE l (id INT PRIMARY KEY, v VARCHAR(40) CHARACTER SET latin1, c CHAR(40) CHARACTER SET latin1,
    tx TEXT CHARACTER SET latin1)`);
  const pipeline = await runPipeline(cfg);
  try {
    // Every byte 0x80..0x9F, written as bytes so no client-side conversion is involved.
    const high = `x'${Buffer.from(Array.from({ length: 32 }, (_, i) => 0x80 + i)).toString('hex')}'`;
    await db.conn.query(`INSERT INTO l VALUES (1, ${high}, ${high}, ${high})`);
    // What MySQL itself makes of those bytes, converted to the utf8mb4 connection.
    const [rows] = await db.conn.query('SELECT v, c, tx FROM l');
    const server = (rows as Record<string, string>[])[0]!;
    const expected = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
    assert.deepEqual(server, { v: expected, c: expected, tx: expected });
    const [got] = await records(kafka, cfg, 'l', 1);
    assert.deepEqual(got!.value!.after, { id: 1, ...server });
  } finally {
    await pipeline.stop();
  }
});

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
import { ownDatabase, testKafka, deleteTopics } from '../../support/stack.js';
import { decoderFromSchemasTopic, readDecoded, type DecodedRecord } from '../../support/topic-reader.js';
import { runPipeline, testPipelineConfig, waitFor, type TestPipelineConfig } from '../../support/pipeline-harness.js';
import { decodeDecimal } from '../../support/decimal.js';
import { rowValueFields } from '../../support/row-value-fields.js';
import { COLUMNS, DATE, TS, TIME, WKB, decimal, named } from '../../support/every-type-columns.js';

type Kafka = ReturnType<typeof testKafka>;

const GEOMETRY = COLUMNS.filter((c) => c.sets[0][1] === WKB).map((c) => c.name);
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
      `SELECT id, ${GEOMETRY.map((g) => `ST_AsBinary(${g}) AS ${g}`).join(', ')} FROM every_type WHERE id <= 3 ORDER BY id`,
    );
    const wkb = wkbRows as Record<string, Buffer>[];
    assert.equal(wkb.length, 3);
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
    const [geo] = await db.conn.query('SELECT ST_AsBinary(g) AS g FROM nn');
    const [got] = await records(kafka, cfg, 'nn', 1);
    const day = Date.UTC(2024, 1, 29) / 86_400_000;
    assert.deepEqual(readable(got!.value!.after, new Map([['d', 2]])), {
      id: Buffer.from([0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), i: -7, iu: 7n, d: '12345678.91',
      f: -2.5, b1: true, b3: Buffer.from([5]), s: 'hé', bl: Buffer.from([0xc3, 0x01]),
      dt: day, dtm: BigInt(day) * 86_400_000_000n + 86_399_500_000n, ts: BigInt(day) * 86_400_000_000n + 250_000n,
      tm: -(12n * 3600n + 34n * 60n + 56n) * 1_000_000n - 789_000n, yr: 2024, en: 'off', js: '{}', g: (geo as { g: Buffer }[])[0]!.g,
    });
    // The key is a BIGINT UNSIGNED too: decimal(20,0), so the top of its range survives.
    assert.equal(decodeDecimal(got!.key!.id as Buffer, 0), '18446744073709551615');
    assert.deepEqual(await publishedFields(kafka, cfg, got!), [
      ['id', decimal(20, 0)], ['i', 'int'], ['iu', 'long'], ['d', decimal(10, 2)], ['f', 'float'],
      ['b1', 'boolean'], ['b3', named('bytes', 'io.debezium.data.Bits', { length: '3' })], ['s', 'string'], ['bl', 'bytes'],
      ['dt', ['null', DATE], null], ['dtm', ['null', TS], null], ['ts', ['null', TS], null],
      ['tm', TIME], ['yr', named('int', 'io.debezium.time.Year')], ['en', named('string', 'io.debezium.data.Enum', { allowed: 'on,off' })],
      ['js', 'string'], ['g', 'bytes'],
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

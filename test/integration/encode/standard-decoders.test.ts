/**
 * Real pipeline output read by decoders nobody on this project wrote: Apache Avro Java's
 * BinaryMessageDecoder (with every schemas-topic schema in a SchemaStore) and fastavro, in
 * single-object framing. Every key and row image they print is compared with the row as
 * MariaDB itself returns it at that moment: every type of the type table (TIME at
 * +-838:59:59, BIGINT UNSIGNED max, DECIMAL(65,30) ...), and messages on both sides of an
 * ALTER that changes only a DECIMAL's scale.
 */
process.env.TZ = 'Asia/Kolkata';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownDatabase, testKafka, deleteTopics } from '../../support/stack.js';
import { readTopics, type RawRecord } from '../../support/topic-reader.js';
import { runPipeline, testPipelineConfig, waitFor } from '../../support/pipeline-harness.js';
import { COLUMNS } from '../../support/every-type-columns.js';
import { decodeWith, type DecoderMessage, type DecoderOutput, type StandardDecoder } from '../../support/standard-decoders.js';
import { frameFingerprint } from '../../../src/encode/single-object-frame.js';
import { fingerprintToHex } from '../../../src/encode/rabin-fingerprint.js';

const MAX_ID = '18446744073709551615';
/** The one column the ALTER rescales: DECIMAL(10,2) -> DECIMAL(10,4). */
const SCALE_VALUES = [['12.34', '-0.5', '999999.99'], ['1.2345', '-0.0001', '999999.9999']] as const;
const ALL = [{ name: 'id', ddl: 'BIGINT UNSIGNED' }, ...COLUMNS, { name: 'sc', ddl: 'DECIMAL(10,2)' }];

type SourceRow = Record<string, string | number | null>;
type Kind = 'float' | 'bool' | 'bits' | 'timestamp' | 'text';

function kindOf(ddl: string): Kind {
  if (/^(FLOAT|DOUBLE)/.test(ddl)) return 'float';
  if (ddl === 'BIT(1)') return 'bool';
  if (/^BIT\(/.test(ddl)) return 'bits';
  if (/^(DATETIME|TIMESTAMP)/.test(ddl)) return 'timestamp';
  return 'text';
}

/** MariaDB's own text for a column, in the form the decoders' JSON is normalized to. */
function sourceExpr({ name, ddl }: { name: string; ddl: string }): string {
  const bits = /^BIT\((\d+)\)/.exec(ddl);
  if (bits) return bits[1] === '1' ? `CAST(${name} + 0 AS CHAR)` : `LOWER(LPAD(HEX(${name} + 0), ${2 * Math.ceil(Number(bits[1]) / 8)}, '0'))`;
  if (/^(FLOAT|DOUBLE)/.test(ddl)) return name; // binary protocol: the stored float/double itself
  if (/^(BINARY|VARBINARY|BLOB)/.test(ddl)) return `LOWER(HEX(${name}))`;
  if (/^(POINT|POLYGON)/.test(ddl)) return `LOWER(HEX(ST_AsBinary(${name})))`;
  if (/^(DATETIME|TIMESTAMP)/.test(ddl)) return `DATE_FORMAT(${name}, '%Y-%m-%d %H:%i:%s.%f')`;
  if (/^TIME/.test(ddl)) return `CAST(TIME_TO_SEC(${name}) * 1000000 AS SIGNED)`; // signed microseconds
  if (/^(CHAR|VARCHAR|TEXT|ENUM|SET)/.test(ddl)) return name;
  if (ddl === 'JSON') return `CAST(${name} AS CHAR)`; // the stored text; the driver would parse it
  return `CAST(${name} AS CHAR)`; // integers, DECIMAL, DATE, YEAR
}

/** A decoder's JSON value in the source's text form: timestamps as MariaDB prints them, booleans as 0/1. */
function normalized(value: unknown, kind: Kind): string | number | null {
  if (value === null || value === undefined) return value ?? null;
  switch (kind) {
    case 'float':
      return Number(value as string); // the exact decimal expansion parses back to the same double
    case 'bool':
      return value ? '1' : '0';
    case 'bits':
      // Published little-endian (Debezium's order); the server's HEX is big-endian.
      return (String(value).match(/../g) ?? []).reverse().join('');
    case 'timestamp':
      return String(value).replace('T', ' ').replace(/Z$/, '');
    default:
      return String(value);
  }
}

function image(decoded: unknown): SourceRow | null {
  if (decoded === null) return null;
  const row = decoded as Record<string, unknown>;
  return Object.fromEntries(ALL.map((c) => [c.name, normalized(row[c.name], kindOf(c.ddl))]));
}

test('Avro Java BinaryMessageDecoder and fastavro decode every key and value exactly, across a DECIMAL scale change', async (t) => {
  const db = await ownDatabase('t_stddec');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query(`CREATE TABLE every_type (id BIGINT UNSIGNED PRIMARY KEY, ${COLUMNS.map((c) => `${c.name} ${c.ddl}`).join(', ')}, sc DECIMAL(10,2))`);
  await db.conn.query("SET SESSION time_zone = '+00:00'");
  const source = async (): Promise<Map<string, SourceRow>> => {
    const [rows] = await db.conn.execute(`SELECT ${ALL.map((c) => `${sourceExpr(c)} AS ${c.name}`).join(', ')} FROM every_type ORDER BY id`);
    return new Map((rows as SourceRow[]).map((r) => [String(r.id), { ...r, id: String(r.id) }]));
  };
  const set = (i: 0 | 1 | 2, sc: string) => `${COLUMNS.map((c) => `${c.name} = ${c.sets[i][0]}`).join(', ')}, sc = ${sc}`;

  const pipeline = await runPipeline(cfg);
  let beforeAlter: Map<string, SourceRow>;
  let afterAlter: Map<string, SourceRow>;
  let updated: Map<string, SourceRow>;
  let records: RawRecord[] = [];
  try {
    for (const i of [0, 1, 2] as const) await db.conn.query(`INSERT INTO every_type SET id = ${i + 1}, ${set(i, SCALE_VALUES[0][i])}`);
    await db.conn.query(`INSERT INTO every_type (id) VALUES (${MAX_ID})`);
    beforeAlter = await source();
    await db.conn.query('ALTER TABLE every_type MODIFY sc DECIMAL(10,4)');
    for (const i of [0, 1, 2] as const) await db.conn.query(`INSERT INTO every_type SET id = ${i + 5}, ${set(i, SCALE_VALUES[1][i])}`);
    afterAlter = await source();
    await db.conn.query(`UPDATE every_type SET ${set(2, '7.5')} WHERE id = 1`);
    updated = await source();
    await db.conn.query('DELETE FROM every_type WHERE id = 2');
    await waitFor(async () => (records = await readTopics(kafka, [cfg.topicFor('every_type')])).length >= 10, 30_000, () => `${records.length} of 10 records`);
  } finally {
    await pipeline.stop();
  }
  assert.equal(records.length, 10);
  const expected: [string, string, SourceRow | null, SourceRow | null][] = [
    ...['1', '2', '3', MAX_ID].map((id): [string, string, SourceRow | null, SourceRow | null] => ['c', id, null, beforeAlter.get(id)!]),
    ...['5', '6', '7'].map((id): [string, string, SourceRow | null, SourceRow | null] => ['c', id, null, afterAlter.get(id)!]),
    ['u', '1', afterAlter.get('1')!, updated.get('1')!],
    ['d', '2', afterAlter.get('2')!, null],
    ['tombstone', '2', null, null],
  ];
  // The values under test really are the boundaries, as MariaDB returns them.
  assert.deepEqual([beforeAlter.get('1')!.tm, beforeAlter.get('2')!.tm, beforeAlter.get('2')!.bu], ['-3020399000000', '3020399000000', MAX_ID]);
  assert.deepEqual([beforeAlter.get('1')!.sc, afterAlter.get('1')!.sc, afterAlter.get('5')!.sc], ['12.34', '12.3400', '1.2345']);

  // Every schema on the schemas topic, in its order; each message's read schema is its writer's.
  const schemaRecords = await readTopics(kafka, [cfg.schemasTopic]);
  const schemas = schemaRecords.map((r) => r.value!.toString());
  const indexOf = new Map(schemaRecords.map((r, i) => [r.key!.toString(), i]));
  const reader = (frame: Buffer | null) => (frame ? indexOf.get(fingerprintToHex(frameFingerprint(frame)))! : null);
  const messages: DecoderMessage[] = records.map((r, i) => ({ id: String(i), key: r.key, value: r.value, keyReader: reader(r.key), valueReader: reader(r.value) }));
  assert.ok(messages.every((m) => m.keyReader !== undefined && m.valueReader !== undefined), 'every frame names a schema on the schemas topic');
  assert.equal(new Set(messages.slice(0, 4).map((m) => m.valueReader)).size, 1);
  assert.notEqual(messages[4]!.valueReader, messages[0]!.valueReader, 'the rescaled table has a schema of its own');
  assert.equal(new Set(messages.map((m) => m.keyReader)).size, 1, 'the key schema did not change');

  for (const decoder of ['avro-java', 'fastavro'] as StandardDecoder[]) {
    const started = Date.now();
    const out: DecoderOutput[] = await decodeWith(decoder, 'single-object', schemas, messages);
    t.diagnostic(`${decoder}: ${out.length} messages, ${schemas.length} schemas in ${Date.now() - started} ms`);
    assert.equal(out.length, messages.length, decoder);
    for (let r = 0; r < expected.length; r++) {
      const [op, id, before, after] = expected[r]!;
      const got = out[r]!;
      const what = `${decoder}, record ${r} (${op} id ${id})`;
      assert.equal(got.keyError ?? got.valueError, undefined, what);
      assert.deepEqual(got.key, { id }, `${what} key`);
      if (op === 'tombstone') {
        assert.equal(got.value, null, what);
        continue;
      }
      assert.equal(got.value!.op, op, what);
      for (const [part, want] of [['before', before], ['after', after]] as const) {
        const have = image(got.value![part]);
        if (want === null || have === null) {
          assert.equal(have, want, `${what} ${part}`);
          continue;
        }
        for (const c of ALL) assert.deepEqual(have[c.name], want[c.name], `${what} ${part}.${c.name} (${c.ddl})`);
      }
    }
  }
});

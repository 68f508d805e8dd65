/**
 * The every-type scenario the standard-decoder tests run in both framings: a table of
 * every type (test/support/every-type-columns.ts) plus a DECIMAL(10,2) `sc`, three rows at
 * the boundaries and one with BIGINT UNSIGNED max as its key, an ALTER that changes only
 * `sc`'s scale, three more rows, an update and a delete: 10 records. Each expected image is
 * the row as MariaDB itself returns it at that moment, in the form decoders' JSON is
 * normalized to.
 */
import assert from 'node:assert/strict';
import { COLUMNS } from './every-type-columns.js';
import type { DecoderOutput } from './standard-decoders.js';
import { ON_MYSQL, type ownDatabase } from './stack.js';

export const MAX_ID = '18446744073709551615';
/** The one column the ALTER rescales: DECIMAL(10,2) -> DECIMAL(10,4). */
const SCALE_VALUES = [['12.34', '-0.5', '999999.99'], ['1.2345', '-0.0001', '999999.9999']] as const;
const ALL = [{ name: 'id', ddl: 'BIGINT UNSIGNED' }, ...COLUMNS, { name: 'sc', ddl: 'DECIMAL(10,2)' }];
export const EVERY_TYPE_RECORDS = 10;

type Db = Awaited<ReturnType<typeof ownDatabase>>;
type SourceRow = Record<string, string | number | null>;
type Kind = 'float' | 'bool' | 'bits' | 'datetime' | 'geometry' | 'text';
/** [op or 'tombstone', key id, before, after] per record, in topic order. */
export type ExpectedRecord = [string, string, SourceRow | null, SourceRow | null];

function kindOf(ddl: string): Kind {
  if (/^(FLOAT|DOUBLE)/.test(ddl)) return 'float';
  if (ddl === 'BIT(1)') return 'bool';
  if (/^BIT\(/.test(ddl)) return 'bits';
  if (/^DATETIME/.test(ddl)) return 'datetime';
  if (/^(POINT|POLYGON)/.test(ddl)) return 'geometry';
  return 'text';
}

/** MariaDB's own text for a column, in the form the decoders' JSON is normalized to. */
function sourceExpr({ name, ddl }: { name: string; ddl: string }): string {
  const bits = /^BIT\((\d+)\)/.exec(ddl);
  if (bits) return bits[1] === '1' ? `CAST(${name} + 0 AS CHAR)` : `LOWER(LPAD(HEX(${name} + 0), ${2 * Math.ceil(Number(bits[1]) / 8)}, '0'))`;
  if (/^(FLOAT|DOUBLE)/.test(ddl)) return name; // binary protocol: the stored float/double itself
  if (/^(BINARY|VARBINARY|BLOB)/.test(ddl)) return `LOWER(HEX(${name}))`;
  // MySQL's ST_AsBinary writes a geographic SRID's axes in its EPSG order (4326: latitude
  // first); the binlog, and so Tributary, carries the stored order, longitude (x) first.
  // Debezium's record as text: `wkb=<hex> srid=<n or null>` (x and y are added from the hex).
  if (/^(POINT|POLYGON)/.test(ddl)) {
    const wkb = `LOWER(HEX(ST_AsBinary(${name}${ON_MYSQL ? ", 'axis-order=long-lat'" : ''})))`;
    return `CONCAT('wkb=', ${wkb}, ' srid=', IF(ST_SRID(${name}) = 0, 'null', ST_SRID(${name})))`;
  }
  if (/^DATETIME/.test(ddl)) return `DATE_FORMAT(${name}, '%Y-%m-%d %H:%i:%s.%f')`;
  // Debezium's ZonedTimestamp, exactly fsp fraction digits, from a session at time_zone '+00:00'.
  const ts = /^TIMESTAMP(?:\((\d)\))?/.exec(ddl);
  if (ts) {
    const fsp = Number(ts[1] ?? 0);
    const fraction = fsp === 0 ? '' : `, '.', LEFT(DATE_FORMAT(${name}, '%f'), ${fsp})`;
    return `CONCAT(DATE_FORMAT(${name}, '%Y-%m-%dT%H:%i:%s')${fraction}, 'Z')`;
  }
  // Signed microseconds, from parts: MySQL's TIME_TO_SEC drops the fraction; HOUR etc. are unsigned on both.
  if (/^TIME/.test(ddl)) {
    return `IF(${name} < TIME'00:00:00', -1, 1) * ((HOUR(${name}) * 3600 + MINUTE(${name}) * 60 + SECOND(${name})) * 1000000 + MICROSECOND(${name}))`;
  }
  if (/^(CHAR|VARCHAR|TEXT|ENUM|SET)/.test(ddl)) return name;
  if (ddl === 'JSON') return `CAST(${name} AS CHAR)`; // the stored text; the driver would parse it
  return `CAST(${name} AS CHAR)`; // integers, DECIMAL, DATE, YEAR
}

/** A decoder's JSON value in the source's text form: DATETIMEs as MariaDB prints them, booleans as 0/1. */
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
    case 'datetime':
      return String(value).replace('T', ' ').replace(/Z$/, '');
    case 'geometry': {
      // {wkb: hex, srid} or a point's {x, y, wkb, srid}, x and y as exact decimal text.
      const g = value as { x?: string; y?: string; wkb: string; srid: number | null };
      const xy = g.x === undefined ? '' : `x=${Number(g.x)} y=${Number(g.y)} `;
      return `${xy}wkb=${g.wkb} srid=${g.srid}`;
    }
    default:
      return String(value);
  }
}

function image(decoded: unknown): SourceRow | null {
  if (decoded === null) return null;
  const row = decoded as Record<string, unknown>;
  return Object.fromEntries(ALL.map((c) => [c.name, normalized(row[c.name], kindOf(c.ddl))]));
}

/** A POINT column's expected text gets the x and y of its server WKB (little-endian doubles), as Debezium's Point carries them. */
function withPointXY(row: SourceRow): SourceRow {
  const out = { ...row };
  for (const c of ALL) {
    const text = out[c.name];
    if (c.ddl !== 'POINT' || typeof text !== 'string') continue;
    const wkb = Buffer.from(/wkb=([0-9a-f]+)/.exec(text)![1]!, 'hex');
    out[c.name] = `x=${wkb.readDoubleLE(5)} y=${wkb.readDoubleLE(13)} ${text}`;
  }
  return out;
}

/**
 * Creates `every_type` in `db` and writes the scenario while a pipeline streams it;
 * `published` resolves once the pipeline has published all of it. Returns what each of
 * the 10 records must decode to, after checking the boundaries really are in the source.
 */
export async function writeEveryTypeScenario(db: Db, published: () => Promise<void>): Promise<ExpectedRecord[]> {
  const source = async (): Promise<Map<string, SourceRow>> => {
    const [rows] = await db.conn.execute(`SELECT ${ALL.map((c) => `${sourceExpr(c)} AS ${c.name}`).join(', ')} FROM every_type ORDER BY id`);
    return new Map((rows as SourceRow[]).map((r) => [String(r.id), { ...withPointXY(r), id: String(r.id) }]));
  };
  const set = (i: 0 | 1 | 2, sc: string) => `${COLUMNS.map((c) => `${c.name} = ${c.sets[i][0]}`).join(', ')}, sc = ${sc}`;
  for (const i of [0, 1, 2] as const) await db.conn.query(`INSERT INTO every_type SET id = ${i + 1}, ${set(i, SCALE_VALUES[0][i])}`);
  await db.conn.query(`INSERT INTO every_type (id) VALUES (${MAX_ID})`);
  const beforeAlter = await source();
  await db.conn.query('ALTER TABLE every_type MODIFY sc DECIMAL(10,4)');
  for (const i of [0, 1, 2] as const) await db.conn.query(`INSERT INTO every_type SET id = ${i + 5}, ${set(i, SCALE_VALUES[1][i])}`);
  const afterAlter = await source();
  await db.conn.query(`UPDATE every_type SET ${set(2, '7.5')} WHERE id = 1`);
  const updated = await source();
  await db.conn.query('DELETE FROM every_type WHERE id = 2');
  await published();
  // The values under test really are the boundaries, as MariaDB returns them.
  assert.deepEqual([beforeAlter.get('1')!.tm, beforeAlter.get('2')!.tm, beforeAlter.get('2')!.bu], ['-3020399000000', '3020399000000', MAX_ID]);
  assert.deepEqual([beforeAlter.get('1')!.sc, afterAlter.get('1')!.sc, afterAlter.get('5')!.sc], ['12.34', '12.3400', '1.2345']);
  return [
    ...['1', '2', '3', MAX_ID].map((id): ExpectedRecord => ['c', id, null, beforeAlter.get(id)!]),
    ...['5', '6', '7'].map((id): ExpectedRecord => ['c', id, null, afterAlter.get(id)!]),
    ['u', '1', afterAlter.get('1')!, updated.get('1')!],
    ['d', '2', afterAlter.get('2')!, null],
    ['tombstone', '2', null, null],
  ];
}

/** The table of the scenario, to create before the pipeline starts. */
export const EVERY_TYPE_DDL = `CREATE TABLE every_type (id BIGINT UNSIGNED PRIMARY KEY, ${COLUMNS.map((c) => `${c.name} ${c.ddl}`).join(', ')}, sc DECIMAL(10,2))`;

/** Every key and row image a decoder printed equals the source's, column by column. */
export function assertDecodedExactly(out: DecoderOutput[], expected: ExpectedRecord[], decoder: string): void {
  assert.equal(out.length, expected.length, decoder);
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

/**
 * MySQL's binary JSON at its boundaries, through both paths: the snapshot reads the
 * server's own text, the stream decodes the binlog's binary form. A consumer must get the
 * same io.debezium.data.Json text from both for the same row, and it must equal, as JSON
 * with exact numbers, what the server itself prints (CAST(j AS CHAR)): 64-bit integers
 * beyond 2^53, doubles at the edge of their range, -0.0, a DECIMAL and temporal values
 * (opaque types), unicode, empty containers, JSON null against SQL NULL, deep nesting and
 * a document of a few MB.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ON_MYSQL, deleteTopics, ownDatabase, testKafka } from '../../../support/stack.js';
import { runPipeline, testPipelineConfig, waitFor } from '../../../support/pipeline-harness.js';
import { readPositioned, type PositionedRecord } from '../../../support/topic-reader.js';

const DEEP = 90; // MySQL refuses documents nested deeper than 100
const LARGE = { items: Array.from({ length: 40_000 }, (_, i) => ({ i, name: `item-${i}-${'x'.repeat(40)}`, n: i * 1.5 })) };

/** [name, SQL expression producing the JSON value]. */
const CASES: [string, string][] = [
  ['uint64 max', `CAST('18446744073709551615' AS JSON)`],
  ['int64 min', `CAST('-9223372036854775808' AS JSON)`],
  ['2^53 + 1', `CAST('[9007199254740993, -9007199254740993]' AS JSON)`],
  ['double max', `CAST('1e308' AS JSON)`],
  ['double min', `CAST('[2.2250738585072014e-308, 5e-324, -1.7976931348623157e308]' AS JSON)`],
  ['negative zero', `CAST('-0.0' AS JSON)`],
  ['doubles that print as integers', `CAST('[3.0, 1e2, 0.1, 123456789012345678901234567890]' AS JSON)`],
  ['doubles where notation switches', `CAST('[1e14, 1e15, 2.5e15, 1234567890123456.8, 1e-15, 1e-16, 1.2345678901234567e-15, 0.000012345678901234568, -1e-7]' AS JSON)`],
  ['decimal', `JSON_OBJECT('d', CAST('12345678901234567890.123456789' AS DECIMAL(40,9)), 'small', CAST('-0.50' AS DECIMAL(5,2)))`],
  ['datetime', `JSON_OBJECT('dt', CAST('2024-02-29 13:14:15.123456' AS DATETIME(6)), 'd', CAST('2024-02-29' AS DATE), 't', CAST('-838:59:59' AS TIME), 'ts', CAST('1999-12-31 23:59:59' AS DATETIME))`],
  ['unicode', `CAST('{"emoji": "\\u00e9\\u4e2d\\ud83d\\ude00", "ctl": "a\\\\n\\\\t\\\\u0001\\\\"\\\\\\\\", "key\\u00e9": 1}' AS JSON)`],
  ['empty object', `CAST('{}' AS JSON)`],
  ['empty array', `CAST('[]' AS JSON)`],
  ['empty string', `CAST('""' AS JSON)`],
  ['json null', `CAST('null' AS JSON)`],
  ['literals', `CAST('[true, false, null]' AS JSON)`],
  ['deep', `CAST('${'['.repeat(DEEP)}1${']'.repeat(DEEP)}' AS JSON)`],
  ['large', `CAST(? AS JSON)`],
];

/** Parses JSON keeping every number as its exact decimal text (JSON.parse would round). */
function exactParse(text: string): unknown {
  return JSON.parse(text.replace(/("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g, (m: string, str: string | undefined, num: string | undefined) => (str ? m : JSON.stringify({ n: canonicalNumber(num ?? '') }))));
}

/** A number's value as a canonical exact decimal: 3.0, 3 and 3e0 are one number, -0.0 and 0 two. */
function canonicalNumber(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text)!;
  const digits = (m[2]! + (m[3] ?? '')).replace(/^0+/, '');
  const exp = Number(m[4] ?? 0) - (m[3]?.length ?? 0);
  const trimmed = digits.replace(/0+$/, '');
  if (trimmed === '') return `${m[1]}0`;
  return `${m[1]}${trimmed}e${exp + (digits.length - trimmed.length)}`;
}

test('JSON boundaries: the snapshot and the stream publish the same text, equal to the server\'s own', { skip: ON_MYSQL ? false : "MariaDB's JSON is LONGTEXT: stored and binlogged as the text written, with no binary form to decode", timeout: 180_000 }, async (t) => {
  const db = await ownDatabase('t_json');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'initial' }, kafka: { max_message_bytes: 16 * 1024 * 1024 } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE j (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, doc JSON NULL)');
  const insert = async (offset: number) => {
    for (const [i, [name, expr]] of CASES.entries()) {
      await db.conn.query(`INSERT INTO j VALUES (?, ?, ${expr})`, [offset + i, name, ...(name === 'large' ? [JSON.stringify(LARGE)] : [])]);
    }
    await db.conn.query('INSERT INTO j VALUES (?, ?, NULL)', [offset + CASES.length, 'sql null']);
  };
  await insert(1);
  const [server] = await db.conn.query('SELECT id, name, CAST(doc AS CHAR) AS text FROM j ORDER BY id');
  const serverText = new Map((server as { name: string; text: string | null }[]).map((r) => [r.name, r.text]));
  assert.ok((serverText.get('large')?.length ?? 0) > 3_000_000, 'a document of a few MB');

  // A few MB exceeds the broker's default 1 MB limit: the topic gets a larger one of its own.
  const topic = cfg.topicFor('j');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: String(16 * 1024 * 1024) }] }] });
  await admin.disconnect();
  const run = await runPipeline(cfg);
  try {
    await waitFor(() => run.logs.some((l) => l.includes(`snapshot of ${db.name}.j done`)), 60_000, () => run.logs.join(''));
    await insert(1001);
    const want = 2 * (CASES.length + 1);
    let records: PositionedRecord[] = [];
    await waitFor(async () => (records = await readPositioned(kafka, cfg.schemasTopic, [topic])).length >= want, 60_000, () => `${records.length} of ${want}\n${run.logs.join('')}`);
    const published = (op: string) => new Map(records.filter((r) => r.value!.op === op).map((r) => [r.value!.after!.name as string, r.value!.after!.doc as string | null]));
    const snapshot = published('r');
    const stream = published('c');
    const problems: string[] = [];
    for (const name of [...CASES.map((c) => c[0]), 'sql null']) {
      const s = snapshot.get(name);
      const c = stream.get(name);
      const own = serverText.get(name) ?? null;
      const show = (v: string | null | undefined) => (v && v.length > 300 ? `${v.slice(0, 300)}...` : String(v));
      if (s !== c) problems.push(`${name}: snapshot ${show(s)} != stream ${show(c)}`);
      if (own === null ? c !== null : c === null || c === undefined || JSON.stringify(exactParse(c)) !== JSON.stringify(exactParse(own))) {
        problems.push(`${name}: stream ${show(c)} != server ${show(own)}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.equal(snapshot.get('sql null'), null, 'SQL NULL is a null column');
    assert.equal(stream.get('json null'), 'null', 'JSON null is the text null');
  } finally {
    await run.stop();
  }
});

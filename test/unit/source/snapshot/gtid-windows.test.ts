/**
 * The GTID watermarks' window logic, without a server: a SnapshotWindow driven by
 * GtidWindows from executed sets read "before" and "after" a chunk's SELECT and the
 * transactions the stream hands on. A key changed by a transaction outside the low set
 * and handed on before the stream passes the high set is left out of the chunk; the chunk
 * goes out exactly once the stream has handed on every transaction of the high set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SnapshotWindow } from '../../../../src/source/snapshot/snapshot-window.js';
import { GtidWindows, type StreamEmit } from '../../../../src/source/snapshot/gtid-windows.js';
import { ExecutedGtids } from '../../../../src/source/snapshot/executed-gtids.js';
import type { ChangeEvent } from '../../../../src/model/change-event.js';
import { rowKey } from '../../../../src/source/snapshot/key-cursor.js';

const U = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const V = '2c256447-3f0d-431b-9a25-bdddf1f1f6ef';

/** A chunk of rows id 1..n whose events are `r` rows carrying just the id. */
function setup(from: string) {
  const window = new SnapshotWindow();
  const gtid = new GtidWindows(window);
  const out: { where: string; ids: number[] }[] = [];
  let where = 'start';
  const emitAt = (label: string): StreamEmit => (events) => out.push({ where: label, ids: events.map((e) => e.after!.id as number) });
  gtid.attach(from, (events, progress) => emitAt(`inject@${where}`)(events, progress));
  const chunk = (name: string, ids: number[]) => {
    const delivered = window.expect(name, 'db.t', ['id']);
    window.fill(name, (changed) => ({
      events: ids.filter((id) => !changed.keys.has(rowKey({ id }, ['id']))).map((id) => ({ op: 'r', after: { id } }) as unknown as ChangeEvent),
      progress: undefined,
    }));
    return delivered;
  };
  /** One transaction through the stream: begin, row changes of db.t (when watched), commit. */
  const txn = (g: string, ids: number[]) => {
    gtid.began(g);
    for (const id of ids) if (window.watches('db.t')) window.changed('db.t', { id });
    where = g;
    gtid.committed(g, emitAt(`after ${g}`));
  };
  return { window, gtid, out, chunk, txn };
}

test('MySQL: keys changed between the low and the high set leave the chunk; it goes out once the stream passed the high set', async () => {
  const { gtid, out, chunk, txn } = setup(`${U}:1-10`);
  const delivered = chunk('c1', [1, 2, 3, 4]);
  // The stream lags: U:11 is in the low set, its change to id 1 is older than the SELECT.
  assert.equal(gtid.low('c1', `${U}:1-12`), null);
  txn(`${U}:11`, [1]);
  txn(`${U}:12`, [9]);
  // First transaction outside the low set: the window opens here.
  txn(`${U}:13`, [2]);
  gtid.high('c1', `${U}:1-14`);
  assert.deepEqual(out, [], 'the stream has not handed on U:14 yet');
  txn(`${U}:14`, [3]);
  assert.deepEqual(out, [{ where: `after ${U}:14`, ids: [1, 4] }]);
  await delivered;
  // Past the high set, changes no longer touch the (delivered) chunk.
  txn(`${U}:15`, [4]);
  assert.equal(out.length, 1);
});

test('an idle server: the stream already passed the high set, so the chunk goes out at once, between events', async () => {
  const { gtid, out, chunk, txn } = setup(`${U}:1-5`);
  txn(`${U}:6`, [1]);
  const delivered = chunk('c1', [1, 2]);
  assert.equal(gtid.low('c1', `${U}:1-6`), null);
  gtid.high('c1', `${U}:1-6`);
  assert.deepEqual(out, [{ where: `inject@${U}:6`, ids: [1, 2] }]);
  await delivered;
});

test('the stream ahead of the low set (a transaction in the binlog not yet executed): the window opens at once and the SELECT waits for it', async () => {
  const { gtid, out, chunk, txn } = setup(`${U}:1-5`);
  txn(`${U}:6`, [7]);
  gtid.began(`${U}:7`);
  const delivered = chunk('c1', [1, 2, 3]);
  // U:6 and the U:7 in flight are not in the set read: the SELECT must see a set covering them.
  const target = gtid.low('c1', `${U}:1-5`);
  assert.ok(target);
  assert.equal(ExecutedGtids.parse(`${U}:1-6`).covers(target), false);
  assert.equal(ExecutedGtids.parse(`${U}:1-7`).covers(target), true);
  // The rest of U:7 is already inside the window.
  gtid.committed(`${U}:7`, () => assert.fail('no high watermark yet'));
  txn(`${U}:8`, [2]);
  gtid.high('c1', `${U}:1-9`);
  assert.deepEqual(out, []);
  txn(`${U}:9`, [3]);
  assert.deepEqual(out, [{ where: `after ${U}:9`, ids: [1] }]);
  await delivered;
});

test('a high set with transactions of two sources waits for both; one not yet streamed keeps the window open', async () => {
  const { gtid, out, chunk, txn } = setup(`${U}:1-3,${V}:1-2`);
  const delivered = chunk('c1', [1, 2]);
  assert.equal(gtid.low('c1', `${U}:1-3,${V}:1-2`), null);
  gtid.high('c1', `${U}:1-4,${V}:1-3`);
  txn(`${U}:4`, [1]);
  assert.deepEqual(out, []);
  // A transaction beyond the high set seen before V:3 still counts inside the window.
  txn(`${U}:5`, [2]);
  assert.deepEqual(out, []);
  txn(`${V}:3`, []);
  assert.deepEqual(out, [{ where: `after ${V}:3`, ids: [] }]);
  await delivered;
});

test('MariaDB positions: per-domain sequence numbers, whichever server wrote them', async () => {
  const { gtid, out, chunk, txn } = setup('0-1-100');
  const delivered = chunk('c1', [1, 2, 3]);
  assert.equal(gtid.low('c1', '0-1-101'), null);
  txn('0-1-101', [1]);
  txn('0-1-102', [2]);
  gtid.high('c1', '0-1-103,5-9-1');
  txn('0-2-103', [3]);
  assert.deepEqual(out, [], 'domain 5 not reached yet');
  txn('5-9-1', []);
  assert.deepEqual(out, [{ where: 'after 5-9-1', ids: [1] }]);
  await delivered;
});

test('ExecutedGtids: intervals, tags, and coverage', () => {
  const set = ExecutedGtids.parse(`${U.toUpperCase()}:1-5:8-9:tag_a:3, ${V}:1`);
  assert.equal(set.contains(`${U}:5`), true);
  assert.equal(set.contains(`${U}:6`), false);
  assert.equal(set.contains(`${U}:tag_a:3`), true);
  assert.equal(set.contains(`${U}:3`), true);
  assert.equal(set.covers(ExecutedGtids.parse(`${U}:2-4:9`)), true);
  assert.equal(set.covers(ExecutedGtids.parse(`${U}:5-8`)), false);
  set.add(`${U}:6`);
  set.add(`${U}:7`);
  assert.equal(set.covers(ExecutedGtids.parse(`${U}:1-9,${V}:1`)), true);
  assert.equal(set.toString(), `${U}:1-9,${U}:tag_a:3,${V}:1`);
  assert.equal(ExecutedGtids.parse('').covers(ExecutedGtids.parse(null)), true);
  const maria = ExecutedGtids.parse('0-1-10,1-2-5');
  assert.equal(maria.contains('0-3-10'), true);
  assert.equal(maria.contains('0-1-11'), false);
  assert.equal(maria.covers(ExecutedGtids.parse('1-2-5')), true);
  assert.equal(maria.covers(ExecutedGtids.parse('2-1-1')), false);
});

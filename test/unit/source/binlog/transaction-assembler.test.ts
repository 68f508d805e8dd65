import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransactionAssembler, type RowsEventLike, type TableDecoding } from '../../../../src/source/binlog/transaction-assembler.js';
import { TableFilter } from '../../../../src/route/table-filter.js';
import type { SourceBatch } from '../../../../src/model/change-event.js';
import type { TableSchema } from '../../../../src/model/table-schema.js';

const schema: TableSchema = {
  db: 'shop',
  table: 'orders',
  columns: [
    { name: 'id', sqlType: 'int', nullable: false, avro: 'int' },
    { name: 'qty', sqlType: 'int', nullable: true, avro: 'int' },
  ],
  primaryKey: ['id'],
};
const decoding: TableDecoding = { schema, decode: (row) => ({ ...row }) };
const tableMap = { 7: { parentSchema: 'shop', tableName: 'orders' }, 8: { parentSchema: 'other', tableName: 'x' } };

function ev(name: string, extra: Partial<RowsEventLike> = {}): RowsEventLike {
  return { getEventName: () => name, timestamp: 1_700_000_000_000, tableMap, ...extra };
}

function assembler(maxBatchEvents = 100) {
  const batches: SourceBatch[] = [];
  let pos = 100;
  const a = new TransactionAssembler({
    tables: { tableMap: () => undefined, resolve: () => decoding, lookup: () => undefined, forget: () => undefined },
    filter: new TableFilter(['shop.*']),
    maxBatchEvents,
    emit: (b) => batches.push(b),
    serverId: 1,
  });
  const feed = (e: RowsEventLike) => a.accept(e, () => ({ gtid: `0-1-${pos}`, file: 'binlog.000001', pos: pos++ }));
  return { batches, feed, a };
}

test('a transaction becomes one batch that carries the commit position', () => {
  const { batches, feed } = assembler();
  feed(ev('mariadbgtid', { gtid: '0-1-5', serverId: 1 }));
  feed(ev('writerows', { tableId: 7, gtid: '0-1-5', rows: [{ id: 1, qty: 2 }, { id: 2, qty: 3 }] }));
  feed(ev('deleterows', { tableId: 7, gtid: '0-1-5', rows: [{ id: 1, qty: 2 }] }));
  feed(ev('xid', { gtid: '0-1-5' }));
  assert.equal(batches.length, 1);
  const [b] = batches;
  assert.deepEqual(b!.commit, { gtid: '0-1-101', file: 'binlog.000001', pos: 101 });
  assert.deepEqual(b!.events.map((e) => e.op), ['c', 'c', 'd']);
  assert.deepEqual(b!.events[2]!.before, { id: 1, qty: 2 });
  assert.equal(b!.events[2]!.after, null);
  assert.deepEqual(b!.events.map((e) => e.transaction), [
    { id: '0-1-5', total_order: 1, data_collection_order: 1 },
    { id: '0-1-5', total_order: 2, data_collection_order: 2 },
    { id: '0-1-5', total_order: 3, data_collection_order: 3 },
  ]);
  assert.deepEqual(b!.events.map((e) => e.source.row), [0, 1, 0]);
  assert.equal(b!.events[0]!.source.gtid, '0-1-5');
  assert.equal(b!.events[0]!.source.snapshot, 'false');
  // The transaction's start position, read at its GTID event.
  assert.equal(b!.events[0]!.source.pos, 100);
});

test('an update that changes the primary key becomes a delete then a create', () => {
  const { batches, feed } = assembler();
  feed(ev('mariadbgtid', { gtid: '0-1-6' }));
  feed(ev('updaterows', { tableId: 7, rows: [{ before: { id: 1, qty: 2 }, after: { id: 9, qty: 2 } }, { before: { id: 3, qty: 1 }, after: { id: 3, qty: 5 } }] }));
  feed(ev('xid'));
  const events = batches[0]!.events;
  assert.deepEqual(events.map((e) => [e.op, e.before, e.after]), [
    ['d', { id: 1, qty: 2 }, null],
    ['c', null, { id: 9, qty: 2 }],
    ['u', { id: 3, qty: 1 }, { id: 3, qty: 5 }],
  ]);
});

test('a large transaction streams in batches; only the last carries the commit', () => {
  const { batches, feed } = assembler(3);
  feed(ev('mariadbgtid', { gtid: '0-1-7' }));
  for (let i = 0; i < 4; i++) feed(ev('writerows', { tableId: 7, rows: [{ id: 2 * i, qty: 0 }, { id: 2 * i + 1, qty: 0 }] }));
  feed(ev('xid'));
  assert.deepEqual(batches.map((b) => [b.events.length, b.commit === null]), [[4, true], [4, true], [0, false]]);
  const all = batches.flatMap((b) => b.events.map((e) => e.after!.id));
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5, 6, 7]);
});

test('after a reset (a lost connection), the cut transaction read again skips what went out already', () => {
  const { batches, feed, a } = assembler(3);
  const rows = (from: number) => ev('writerows', { tableId: 7, rows: [{ id: from, qty: 0 }, { id: from + 1, qty: 0 }] });
  feed(ev('mariadbgtid', { gtid: '0-1-7' }));
  for (let i = 0; i < 4; i++) feed(rows(2 * i));
  // Two batches of 4 went out; the connection drops before the commit.
  assert.deepEqual(batches.map((b) => b.events.length), [4, 4]);
  a.reset();
  // Read again from the last commit: the same transaction, then the next one.
  feed(ev('mariadbgtid', { gtid: '0-1-7' }));
  for (let i = 0; i < 5; i++) feed(rows(2 * i));
  feed(ev('xid'));
  feed(ev('mariadbgtid', { gtid: '0-1-8' }));
  feed(rows(100));
  feed(ev('xid'));
  const ids = batches.flatMap((b) => b.events.map((e) => e.after!.id));
  assert.deepEqual(ids, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100, 101], 'nothing repeated, nothing missing');
  const orders = batches.flatMap((b) => b.events.map((e) => e.transaction!.total_order));
  assert.deepEqual(orders, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2], 'transaction order as if never cut');
});

test('after a reset, a different transaction coming first skips nothing', () => {
  const { batches, feed, a } = assembler(1);
  feed(ev('mariadbgtid', { gtid: '0-1-7' }));
  feed(ev('writerows', { tableId: 7, rows: [{ id: 1, qty: 0 }] }));
  assert.equal(batches.length, 1);
  a.reset();
  feed(ev('mariadbgtid', { gtid: '0-1-9' }));
  feed(ev('writerows', { tableId: 7, rows: [{ id: 5, qty: 0 }] }));
  feed(ev('xid'));
  assert.deepEqual(batches.flatMap((b) => b.events.map((e) => e.after!.id)), [1, 5]);
});

test('tables the filter excludes produce no events, but the commit still moves the position', () => {
  const { batches, feed } = assembler();
  feed(ev('mariadbgtid', { gtid: '0-1-8' }));
  feed(ev('writerows', { tableId: 8, rows: [{ id: 1 }] }));
  feed(ev('xid'));
  assert.equal(batches.length, 1);
  assert.equal(batches[0]!.events.length, 0);
  assert.notEqual(batches[0]!.commit, null);
});

test('a COMMIT query (non-transactional engines) ends the transaction; BEGIN does not', () => {
  const { batches, feed } = assembler();
  feed(ev('mariadbgtid', { gtid: '0-1-9' }));
  feed(ev('query', { query: 'BEGIN' }));
  feed(ev('writerows', { tableId: 7, rows: [{ id: 1, qty: 1 }] }));
  assert.equal(batches.length, 0);
  feed(ev('query', { query: 'COMMIT' }));
  assert.equal(batches.length, 1);
  assert.notEqual(batches[0]!.commit, null);
});

test('a control-table row lets the observer inject a batch at that exact point of the stream', () => {
  const batches: SourceBatch[] = [];
  let pos = 500;
  const watched: unknown[] = [];
  const progress = { tables: { 'shop.orders': { cursor: [9], rows: 1, total: 1, startedAt: '2024-01-01T00:00:00.000Z', done: true } } };
  const a = new TransactionAssembler({
    tables: { tableMap: () => undefined, resolve: () => decoding, lookup: () => undefined, forget: () => undefined },
    filter: new TableFilter(['shop.*']),
    maxBatchEvents: 100,
    emit: (b) => batches.push(b),
    serverId: 1,
    observer: {
      watches: (db, table) => db === 'shop' && table === 'orders',
      changed: (_db, _table, row) => watched.push(row),
      control: (table, row, emit) => {
        assert.equal(table, 'watermarks');
        const injected = { ...b0(), after: { id: 9, qty: Number(row.qty) } };
        emit([injected], progress);
      },
      tablesChanged: () => undefined,
    },
  });
  const tm = { ...tableMap, 9: { parentSchema: '_tributary', tableName: 'watermarks' } };
  const feed = (e: RowsEventLike) => a.accept(e, () => ({ gtid: `0-1-${pos}`, file: 'binlog.000002', pos: pos++ }));
  feed(ev('mariadbgtid', { gtid: '0-1-10' }));
  feed(ev('writerows', { tableId: 7, tableMap: tm, rows: [{ id: 1, qty: 1 }] }));
  feed(ev('updaterows', { tableId: 7, tableMap: tm, rows: [{ before: { id: 1, qty: 1 }, after: { id: 1, qty: 2 } }] }));
  feed(ev('writerows', { tableId: 9, tableMap: tm, rows: [{ id: 1, qty: 42 }] }));
  feed(ev('xid'));
  // The rows before the control row go first, then the injected batch with its progress, then the commit.
  assert.deepEqual(batches.map((b) => [b.events.map((e) => e.op), b.commit !== null, b.progress === progress]), [
    [['c', 'u'], false, false],
    [['r'], false, true],
    [[], true, false],
  ]);
  assert.deepEqual(watched, [{ id: 1, qty: 1 }, { id: 1, qty: 1 }, { id: 1, qty: 2 }]);
  const injected = batches[1]!.events[0]!;
  assert.deepEqual([injected.source.server_id, injected.source.file, injected.source.pos], [1, 'binlog.000002', 500]);
});

function b0() {
  return {
    op: 'r' as const,
    schema,
    before: null,
    after: null as Record<string, unknown> | null,
    source: { ts_ms: 0, snapshot: 'true' as const, db: 'shop', table: 'orders', server_id: 0, gtid: null, file: '', pos: 0, row: 0, thread: null, query: null },
    transaction: null,
  };
}

function ddlAssembler(known: TableSchema[] = [schema]) {
  const batches: SourceBatch[] = [];
  const forgotten: string[] = [];
  const changes: unknown[] = [];
  const logs: string[] = [];
  const progress = { tables: {} };
  let pos = 900;
  const a = new TransactionAssembler({
    tables: {
      tableMap: () => undefined,
      resolve: () => decoding,
      lookup: (db, table) => known.find((k) => k.db === db && k.table === table),
      forget: (db, table) => forgotten.push(`${db}.${table}`),
    },
    filter: new TableFilter(['shop.*']),
    maxBatchEvents: 100,
    emit: (b) => batches.push(b),
    serverId: 1,
    info: (m) => logs.push(m),
    observer: {
      watches: () => false,
      changed: () => undefined,
      control: () => undefined,
      tablesChanged: (ended, gone, appeared) => {
        changes.push([ended, gone, appeared]);
        return appeared.length > 0 ? progress : undefined;
      },
    },
  });
  const feed = (e: RowsEventLike) => a.accept(e, () => ({ gtid: `0-1-${pos}`, file: 'binlog.000003', pos: pos++ }));
  return { batches, forgotten, changes, logs, progress, feed };
}

test('TRUNCATE of a published table is one t event with the statement, committed at the position after it', () => {
  const { batches, forgotten, changes, logs, feed } = ddlAssembler();
  feed(ev('mariadbgtid', { gtid: '0-1-77', serverId: 1 }));
  feed(ev('query', { query: 'TRUNCATE TABLE orders', schema: 'shop' }));
  assert.equal(batches.length, 1);
  const [b] = batches;
  assert.deepEqual(b!.commit, { gtid: '0-1-901', file: 'binlog.000003', pos: 901 });
  assert.equal(b!.events.length, 1);
  const e = b!.events[0]!;
  assert.deepEqual([e.op, e.before, e.after, e.schema], ['t', null, null, schema]);
  assert.deepEqual(e.source, {
    ts_ms: 1_700_000_000_000, snapshot: 'false', db: 'shop', table: 'orders', server_id: 1, gtid: '0-1-77',
    file: 'binlog.000003', pos: 900, row: 0, thread: null, query: 'TRUNCATE TABLE orders',
  });
  assert.deepEqual(e.transaction, { id: '0-1-77', total_order: 1, data_collection_order: 1 });
  assert.deepEqual(forgotten, []);
  assert.deepEqual(changes, [[['shop.orders'], false, []]]);
  assert.equal(logs.length, 1);
  // The next transaction is unaffected.
  feed(ev('mariadbgtid', { gtid: '0-1-78' }));
  feed(ev('writerows', { tableId: 7, rows: [{ id: 1, qty: 1 }] }));
  feed(ev('xid'));
  assert.deepEqual(batches[1]!.events.map((x) => [x.op, x.source.gtid]), [['c', '0-1-78']]);
});

test('DROP TABLE of several tables: t events for the published ones (unknown schema: no columns), every one forgotten', () => {
  const { batches, forgotten, changes, feed } = ddlAssembler();
  feed(ev('mariadbgtid', { gtid: '0-1-80' }));
  feed(ev('query', { query: 'DROP TABLE `orders`,other.x,`lines` /* generated by server */', schema: 'shop' }));
  assert.equal(batches.length, 1);
  assert.deepEqual(batches[0]!.events.map((e) => [e.op, e.source.table, e.schema.columns.length, e.source.row]), [
    ['t', 'orders', 2, 0],
    ['t', 'lines', 0, 1],
  ]);
  assert.deepEqual(forgotten, ['shop.orders', 'other.x', 'shop.lines']);
  assert.deepEqual(changes, [[['shop.orders', 'shop.lines'], true, []]]);
});

test('RENAME: the old name ends, the new published name is snapshotted in the same batch; net of swaps', () => {
  const { batches, changes, progress, feed } = ddlAssembler();
  feed(ev('mariadbgtid', { gtid: '0-1-81' }));
  feed(ev('query', { query: 'RENAME TABLE orders TO tmp, lines TO orders, tmp TO lines', schema: 'shop' }));
  assert.deepEqual(batches[0]!.events.map((e) => e.source.table), ['orders', 'lines']);
  assert.equal(batches[0]!.progress, progress);
  assert.deepEqual(changes, [[['shop.orders', 'shop.lines'], true, ['shop.orders', 'shop.lines']]]);
  // From an unpublished name to a published one: only the snapshot.
  feed(ev('mariadbgtid', { gtid: '0-1-82' }));
  feed(ev('query', { query: 'ALTER TABLE other.x RENAME TO shop.x', schema: '' }));
  assert.deepEqual([batches[1]!.events.length, batches[1]!.progress === progress, batches[1]!.commit !== null], [0, true, true]);
  // Neither name published, or not a table end: nothing.
  feed(ev('mariadbgtid', { gtid: '0-1-83' }));
  feed(ev('query', { query: 'RENAME TABLE other.a TO other.b', schema: 'shop' }));
  feed(ev('query', { query: 'CREATE TABLE t (id INT)', schema: 'shop' }));
  feed(ev('query', { query: 'BEGIN', schema: 'shop' }));
  assert.equal(batches.length, 2);
});

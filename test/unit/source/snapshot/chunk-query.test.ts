import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TableSchema } from '../../../../src/model/table-schema.js';
import { columnSpecOf, columnType, type ColumnType } from '../../../../src/source/schema/column-type.js';
import { ChunkQuery } from '../../../../src/source/snapshot/chunk-query.js';
import type { SnapshotTable } from '../../../../src/source/snapshot/snapshot-table.js';

function table(columns: Record<string, ColumnType>, chunkKey: string[]): SnapshotTable {
  const names = Object.keys(columns);
  const schema: TableSchema = {
    db: 'd`b',
    table: 't',
    columns: names.map((n) => columnSpecOf(n, columns[n] as ColumnType, false)),
    primaryKey: chunkKey,
  };
  return {
    db: schema.db,
    table: schema.table,
    schema,
    decoder: { decodeValues: () => ({}) },
    chunkKey,
    chunkKeyTypes: chunkKey.map((k) => columns[k] as ColumnType),
    estimatedRows: 0,
  };
}

test('one-column key: a plain range, no OFFSET', () => {
  const q = new ChunkQuery(table({ id: columnType('integer', 'bigint', { unsigned: true }), v: columnType('text', 'varchar') }, ['id']));
  assert.equal(q.first, 'SELECT `id`, `v` FROM `d``b`.`t` ORDER BY `id`');
  assert.equal(q.after, 'SELECT `id`, `v` FROM `d``b`.`t` WHERE `id` > CAST(CAST(? AS CHAR) AS UNSIGNED) ORDER BY `id`');
  assert.deepEqual(q.parameters(['18446744073709551615']), ['18446744073709551615']);
  assert.equal(q.all, 'SELECT `id`, `v` FROM `d``b`.`t`');
  assert.equal(q.count, 'SELECT COUNT(*) AS n FROM `d``b`.`t`');
});

test('three-column key: the expanded row comparison with its parameters in order', () => {
  const q = new ChunkQuery(
    table(
      {
        a: columnType('integer', 'int'),
        b: columnType('enum', 'enum', { charset: 'utf8mb4' }),
        c: columnType('binary', 'varbinary'),
        d: columnType('decimal', 'decimal', { precision: 12, scale: 3 }),
      },
      ['a', 'b', 'c'],
    ),
  );
  assert.equal(
    q.after,
    'SELECT `a`, `b`, `c`, `d`, `b` + 0 FROM `d``b`.`t` WHERE `a` >= CAST(CAST(? AS CHAR) AS SIGNED) AND (' +
      '`a` > CAST(CAST(? AS CHAR) AS SIGNED) OR (`a` = CAST(CAST(? AS CHAR) AS SIGNED) AND `b` > CAST(CAST(? AS CHAR) AS UNSIGNED)) OR ' +
      '(`a` = CAST(CAST(? AS CHAR) AS SIGNED) AND `b` = CAST(CAST(? AS CHAR) AS UNSIGNED) AND `c` > ?)) ORDER BY `a`, `b`, `c`',
  );
  // Integers bind as exact text; binary comes back from its JSON form.
  assert.deepEqual(q.parameters([-7, 2, { b64: 'AP8=' }]), ['-7', '-7', '-7', '2', '-7', '2', Buffer.from([0, 255])]);
  // The ENUM's cursor value is its ordinal (the extra `b` + 0), the rest the columns themselves.
  const values = [-7, 'y', Buffer.from([1]), '1.500', 2];
  assert.deepEqual(q.cursorOf(values), [-7, 2, { b64: 'AQ==' }]);
});

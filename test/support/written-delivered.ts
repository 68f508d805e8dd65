import assert from 'node:assert/strict';
import type { ChangeLog } from './change-log.js';
import type { ChangeWriter, Version } from './change-writer.js';

/**
 * Asserts that a topic holds exactly what a ChangeWriter wrote, once exact replays are
 * dropped: every transaction whole (as many events as it wrote, none of another), and
 * each key's versions complete and in order. `skip` leaves out events the writer did not
 * write itself (e.g. a bulk statement of the test's own).
 */
export function assertWrittenDelivered(writer: ChangeWriter, log: ChangeLog, skip: (after: Record<string, unknown> | null, id: number) => boolean = () => false): void {
  const perTx = new Map<string, number>();
  const versions = new Map<number, Version[]>();
  for (const r of log.unique()) {
    const id = (r.key as { id: number }).id;
    if (skip(r.value!.after, id)) continue;
    const gtid = String(r.value!.source.gtid);
    perTx.set(gtid, (perTx.get(gtid) ?? 0) + 1);
    let list = versions.get(id);
    if (!list) versions.set(id, (list = []));
    list.push(r.value!.op === 'd' ? 'd' : (r.value!.after!.version as number));
  }
  assert.deepEqual(
    writer.transactions.map((tx) => [tx.gtid, perTx.get(tx.gtid) ?? 0]),
    writer.transactions.map((tx) => [tx.gtid, tx.events]),
    'every written transaction arrived whole',
  );
  assert.equal(perTx.size, writer.transactions.length, 'no transaction the writer did not write');
  assert.deepEqual(Object.fromEntries(versions), Object.fromEntries(writer.history), "each key's versions, complete and in order");
}

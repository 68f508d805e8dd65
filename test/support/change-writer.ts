/**
 * A writer that keeps a table busy with small random transactions and remembers what it
 * did: each transaction's GTID and event count, and each key's version history. Tests
 * compare what reached Kafka against this record.
 *
 * Every transaction inserts one new row (sometimes several in one statement) at version 1,
 * bumps the version of a random live row (sometimes several in one statement), and
 * sometimes deletes a live row. Ids are never reused, so a key's history is one create,
 * then updates, then at most one delete.
 *
 * With `reconnect` the writer survives server restarts. A transaction cut off mid-commit
 * may or may not have committed; its inserted row tells which (in this mode a transaction
 * never deletes the row it inserts), so `history` stays exact. Such a transaction's GTID is
 * unknown: it is counted in `unconfirmed`, not listed in `transactions`.
 */
import type mysql from 'mysql2/promise';
import { gtidSeq } from './gtid-seq.js';
import { mulberry32 } from './seeded-random.js';
import { lastGtid } from './last-gtid.js';

/** A version number, or 'd' for the delete that ended the row. */
export type Version = number | 'd';

export interface WrittenTransaction {
  gtid: string;
  seq: number;
  /** Row events it produced (one per inserted, updated or deleted row). */
  events: number;
}

export interface ChangeWriterOptions {
  /** Opens a new connection after the server went away; without it a lost connection fails the writer. */
  reconnect?: () => Promise<mysql.Connection>;
  /** Pause between background transactions, to leave the pipeline some CPU. */
  pauseMs?: number;
}

export class ChangeWriter {
  readonly transactions: WrittenTransaction[] = [];
  /** Transactions cut off mid-commit that turned out committed (their GTID unknown). */
  unconfirmed = 0;
  /** Row events of every committed transaction, unconfirmed ones included. */
  events = 0;
  /** Per id, every version it had, in order, ending with 'd' if deleted. */
  readonly history = new Map<number, Version[]>();
  readonly seed: number;
  private conn: mysql.Connection;
  private readonly table: string;
  private readonly options: ChangeWriterOptions;
  private readonly random: () => number;
  private readonly live: number[] = [];
  private readonly versions = new Map<number, number>();
  private nextId = 1;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private failure: unknown = null;
  private waiters: { count: number; resolve: () => void; reject: (err: unknown) => void }[] = [];

  constructor(conn: mysql.Connection, table: string, seed = Math.floor(Math.random() * 2 ** 31), options: ChangeWriterOptions = {}) {
    this.conn = conn;
    this.options = options;
    this.table = table;
    this.seed = seed;
    this.random = mulberry32(seed);
  }

  static createTableSql(table: string): string {
    return `CREATE TABLE \`${table}\` (id INT PRIMARY KEY, version INT NOT NULL, note VARCHAR(40) NOT NULL)`;
  }

  get count(): number {
    return this.transactions.length;
  }

  /** Runs one transaction and records it; null for one cut off that did not commit, or one whose GTID is unknown. */
  async step(): Promise<WrittenTransaction | null> {
    const n = this.transactions.length + 1;
    const note = `tx${n}`;
    const inserted: number[] = [];
    for (let i = this.random() < 0.15 ? 2 + Math.floor(this.random() * 2) : 1; i > 0; i--) inserted.push(this.nextId++);
    const candidates = [...this.live, ...inserted];
    const updated = this.pick(candidates, this.random() < 0.15 ? 2 + Math.floor(this.random() * 3) : 1);
    const deleted = this.live.length > 1 && this.random() < 0.12 ? this.pick(this.options.reconnect ? this.live : candidates, 1) : [];
    const t = `\`${this.table}\``;
    const statements = [
      'START TRANSACTION',
      `INSERT INTO ${t} (id, version, note) VALUES ${inserted.map((id) => `(${id}, 1, '${note}')`).join(', ')}`,
      `UPDATE ${t} SET version = version + 1, note = '${note}' WHERE id IN (${updated.join(', ')})`,
      ...(deleted.length > 0 ? [`DELETE FROM ${t} WHERE id = ${deleted[0]}`] : []),
      'COMMIT',
    ];
    let gtid: string | null;
    try {
      await this.conn.query(statements.join('; '));
      gtid = await lastGtid(this.conn);
    } catch (err) {
      if (!this.options.reconnect || !(err as { fatal?: boolean }).fatal) throw err;
      await this.reopen();
      const [found] = await this.conn.query(`SELECT 1 FROM ${t} WHERE id = ${inserted[0]}`);
      // Not committed: the ids stay unused, which is fine (ids are never reused anyway).
      if ((found as unknown[]).length === 0) return null;
      gtid = null;
    }

    for (const id of inserted) {
      this.live.push(id);
      this.versions.set(id, 1);
      this.history.set(id, [1]);
    }
    for (const id of updated) {
      const v = this.versions.get(id)! + 1;
      this.versions.set(id, v);
      this.history.get(id)!.push(v);
    }
    for (const id of deleted) {
      this.live.splice(this.live.indexOf(id), 1);
      this.versions.delete(id);
      this.history.get(id)!.push('d');
    }
    const events = inserted.length + updated.length + deleted.length;
    const tx: WrittenTransaction | null = gtid === null ? null : { gtid, seq: gtidSeq(gtid), events };
    if (tx) this.transactions.push(tx);
    else this.unconfirmed++;
    this.events += events;
    this.wake();
    return tx;
  }

  /** Opens a new connection, retrying until the server is back or stop(). */
  private async reopen(): Promise<void> {
    this.conn.destroy();
    for (;;) {
      try {
        this.conn = await this.options.reconnect!();
        return;
      } catch (err) {
        if (this.stopping) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** Writes transactions back to back in the background until stop(). */
  start(): void {
    this.loop ??= (async () => {
      try {
        while (!this.stopping) {
          await this.step();
          if (this.options.pauseMs) await new Promise((r) => setTimeout(r, this.options.pauseMs));
        }
      } catch (err) {
        this.failure = err;
        for (const w of this.waiters.splice(0)) w.reject(err);
      }
    })();
  }

  /** Resolves once `count` transactions are committed in total. */
  reach(count: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.transactions.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ count, resolve, reject }));
  }

  /** Stops the background loop after the transaction in progress; rethrows its failure. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    if (this.failure) throw this.failure;
  }

  private wake(): void {
    const n = this.transactions.length;
    this.waiters = this.waiters.filter((w) => (w.count <= n ? (w.resolve(), false) : true));
  }

  /** Up to `n` distinct ids of `from`, at random. */
  private pick(from: number[], n: number): number[] {
    const chosen = new Set<number>();
    n = Math.min(n, from.length);
    while (chosen.size < n) chosen.add(from[Math.floor(this.random() * from.length)]!);
    return [...chosen];
  }
}

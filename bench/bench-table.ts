/**
 * The one table every workload runs on, so their figures compare: 11 columns of the types
 * a typical OLTP row has (BIGINT key, VARCHAR, DECIMAL, two DATETIME(6), INT, ENUM, a small
 * JSON, a 40–100 byte TEXT, BIGINT, DOUBLE). Rows are generated on the server from a
 * sequence, so filling a million rows costs one round trip per chunk, not per row.
 */
import type mysql from 'mysql2/promise';
import { seqRows } from '../test/support/stack.js';

/** Rows per INSERT ... SELECT when filling: keeps each binlog transaction moderate. */
const FILL_CHUNK = 100_000;
/** And at most this many bytes of `note` per INSERT, so wide rows fill in moderate transactions too. */
const FILL_CHUNK_BYTES = 64 * 1024 * 1024;

export class BenchTable {
  /**
   * `noteBytes` makes every `note` exactly that long (up to 65,535: a TEXT), so a row is
   * about noteBytes + 150 bytes; by default notes are 40–100 bytes (rows of about 250).
   */
  constructor(
    private readonly conn: mysql.Connection,
    readonly name = 't',
    readonly noteBytes: number | null = null,
  ) {}

  async create(): Promise<void> {
    await this.conn.query(`CREATE TABLE \`${this.name}\` (
      id BIGINT PRIMARY KEY, name VARCHAR(64) NOT NULL, price DECIMAL(12,2) NOT NULL,
      created DATETIME(6) NOT NULL, written DATETIME(6) NOT NULL, qty INT NOT NULL,
      status ENUM('new','paid','shipped','returned') NOT NULL, attrs JSON NOT NULL, note TEXT NOT NULL,
      ref BIGINT NOT NULL, ratio DOUBLE NOT NULL)`);
  }

  /** Inserts rows 1..rows, in chunks of FILL_CHUNK (one transaction each). */
  async fill(rows: number): Promise<void> {
    const chunk = Math.max(1, Math.min(FILL_CHUNK, Math.floor(FILL_CHUNK_BYTES / (this.noteBytes ?? 100))));
    for (let from = 0; from < rows; from += chunk) await this.insert(from, Math.min(chunk, rows - from));
  }

  /**
   * One statement (one transaction under autocommit) inserting ids after+1 .. after+count.
   * `written` is the server's NOW(6): the latency bench measures delivery against it.
   */
  async insert(after: number, count: number): Promise<void> {
    await this.conn.query(`INSERT INTO \`${this.name}\` SELECT ${after} + seq, CONCAT('customer-', ${after} + seq), (${after} + seq) / 100,
        '2024-01-01 00:00:00.000001' + INTERVAL (${after} + seq) SECOND, NOW(6), seq % 1000,
        ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'returned'), JSON_OBJECT('k', seq % 10, 'tag', CONCAT('t', seq % 100)),
        RPAD(CONCAT('note ', ${after} + seq, ' '), ${this.noteBytes ?? '40 + seq % 61'}, 'abcdefghij'), (${after} + seq) * 7919, (${after} + seq) / 7
      FROM ${seqRows(count)}`);
  }

  /** One statement changing every filled row (ids from 1; id 0 is a bench's warm-up row): one transaction. */
  async updateAll(): Promise<void> {
    await this.conn.query(`UPDATE \`${this.name}\` SET qty = qty + 1, written = NOW(6) WHERE id > 0`);
  }
}

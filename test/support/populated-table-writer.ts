/**
 * A writer for a table that already holds rows 1..N when it starts, as a snapshot finds
 * it: each small transaction inserts a new id, bumps `version` of a few existing rows and
 * sometimes deletes one. Ids are never reused, and `version` only grows, so a consumer
 * may check that no key ever goes back to an older version.
 *
 * Updates and deletes can be aimed near a moving `hot` id (e.g. the snapshot's cursor),
 * so they land in the chunk being read, between its watermarks, which is where a
 * snapshot goes wrong if it goes wrong.
 */
import type mysql from 'mysql2/promise';
import { mulberry32 } from './seeded-random.js';
import { lastGtid } from './last-gtid.js';
import { seqRows } from './stack.js';

export interface PopulatedTableWriterOptions {
  /** Ids 1..rows exist when the writer starts. */
  rows: number;
  /** Where to aim about half of the updates and deletes (ids just above it), or null for nowhere. */
  hot?: () => number | null;
  /** How far above `hot` aimed ids go (e.g. two chunks). */
  hotSpan?: number;
  /** Pause between transactions, to leave the pipeline some CPU. */
  pauseMs?: number;
  seed?: number;
  /**
   * Opens a new connection when the server went away (a restart under test): the writer
   * then waits and goes on instead of failing. A transaction cut off mid-commit may or may
   * not have committed; the table stays the truth to compare with.
   */
  reconnect?: () => Promise<mysql.Connection>;
}

export class PopulatedTableWriter {
  readonly seed: number;
  /** GTIDs of the committed transactions, in order. */
  readonly gtids: string[] = [];
  inserts = 0;
  updates = 0;
  deletes = 0;
  private conn: mysql.Connection;
  private readonly table: string;
  private readonly options: PopulatedTableWriterOptions;
  private readonly random: () => number;
  private readonly deleted = new Set<number>();
  private nextId: number;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private failure: unknown = null;

  /** `conn` must allow multiple statements and be used by nothing else meanwhile. */
  constructor(conn: mysql.Connection, table: string, options: PopulatedTableWriterOptions) {
    this.conn = conn;
    this.table = table;
    this.options = options;
    this.seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    this.random = mulberry32(this.seed);
    this.nextId = options.rows + 1;
  }

  /** Creates the table and fills it with ids 1..rows at version 1. */
  static async createFilled(conn: mysql.Connection, table: string, rows: number): Promise<void> {
    await conn.query(`CREATE TABLE \`${table}\` (id INT PRIMARY KEY, version INT NOT NULL, payload VARCHAR(64) NOT NULL)`);
    await conn.query(`INSERT INTO \`${table}\` SELECT seq, 1, CONCAT('initial-', seq) FROM ${seqRows(rows)}`);
  }

  get count(): number {
    return this.gtids.length;
  }

  get lastGtid(): string | undefined {
    return this.gtids.at(-1);
  }

  /** Runs one transaction. */
  async step(): Promise<void> {
    const n = this.gtids.length + 1;
    const note = `tx${n}`;
    const inserted = this.nextId++;
    const updated = new Set<number>();
    for (let k = 1 + Math.floor(this.random() * 3); k > 0; k--) {
      const id = this.pickLive();
      if (id !== null) updated.add(id);
    }
    const doomed = this.random() < 0.2 ? this.pickLive() : null;
    if (doomed !== null) updated.delete(doomed);
    const t = `\`${this.table}\``;
    const statements = [
      'START TRANSACTION',
      `INSERT INTO ${t} (id, version, payload) VALUES (${inserted}, 1, '${note}')`,
      ...(updated.size > 0 ? [`UPDATE ${t} SET version = version + 1, payload = '${note}' WHERE id IN (${[...updated].join(', ')})`] : []),
      ...(doomed !== null ? [`DELETE FROM ${t} WHERE id = ${doomed}`] : []),
      'COMMIT',
    ];
    await this.conn.query(statements.join('; '));
    this.gtids.push(await lastGtid(this.conn));
    this.inserts++;
    this.updates += updated.size;
    if (doomed !== null) {
      this.deleted.add(doomed);
      this.deletes++;
    }
  }

  /** Writes transactions in the background until stop(). */
  start(): void {
    this.loop ??= (async () => {
      try {
        while (!this.stopping) {
          try {
            await this.step();
          } catch (err) {
            if (!this.options.reconnect || !(err as { fatal?: boolean }).fatal) throw err;
            await this.reopen();
          }
          if (this.options.pauseMs) await new Promise((r) => setTimeout(r, this.options.pauseMs));
        }
      } catch (err) {
        this.failure = err;
      }
    })();
  }

  /** Retries opening a connection until the server is back (or stop()). */
  private async reopen(): Promise<void> {
    this.conn.destroy();
    while (!this.stopping) {
      try {
        this.conn = await this.options.reconnect!();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** Resolves once `count` transactions are committed in total. */
  async reach(count: number): Promise<void> {
    while (this.gtids.length < count) {
      if (this.failure) throw this.failure;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stops after the transaction in progress; rethrows the loop's failure. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    if (this.failure) throw this.failure;
  }

  /** A live id: about half aimed just above `hot`, the rest anywhere; null after a few misses. */
  private pickLive(): number | null {
    const hot = this.options.hot?.() ?? null;
    const span = this.options.hotSpan ?? 10_000;
    for (let attempt = 0; attempt < 8; attempt++) {
      const id =
        hot !== null && this.random() < 0.5
          ? hot + 1 + Math.floor(this.random() * span)
          : 1 + Math.floor(this.random() * (this.nextId - 1));
      if (id >= 1 && id < this.nextId && !this.deleted.has(id)) return id;
    }
    return null;
  }
}

import type { SourceBatch } from './model/change-event.js';
import type { TableDefinition } from './model/schema-change.js';
import { asTributaryError, type TributaryError } from './errors/tributary-error.js';

/** What SchemaChangeDefinitions needs of the pipeline around it. */
export interface DefinitionHooks {
  /** Stops reading the binlog; batches already parsed still arrive. */
  pause(): void;
  resume(): void;
  /** The pipeline's path for a batch from here on, in order. */
  forward(batch: SourceBatch): void;
  fail(err: TributaryError): void;
}

/**
 * Fills in the table definitions of a batch's schema changes (the binlog's QUERY event
 * carries only the statement) before the batch goes on. Only a DDL batch waits: the
 * binlog is paused while the definitions are read, and batches that still arrive are
 * held, then passed on in order, so the schema change keeps its place among the row
 * changes. Row batches pass straight through otherwise, never awaiting.
 */
export class SchemaChangeDefinitions {
  private readonly waiting: SourceBatch[] = [];
  private running = false;

  constructor(
    private readonly read: (db: string, table: string) => Promise<TableDefinition | null>,
    private readonly hooks: DefinitionHooks,
  ) {}

  /** Whether definitions are being read (the binlog stays paused meanwhile). */
  get busy(): boolean {
    return this.running;
  }

  /** Takes a batch with schema changes, and every batch while one is handled; false leaves it to the caller. */
  takes(batch: SourceBatch): boolean {
    if (this.running) {
      this.waiting.push(batch);
      return true;
    }
    if (!batch.schemaChanges) return false;
    this.running = true;
    this.hooks.pause();
    void this.run(batch);
    return true;
  }

  private async run(first: SourceBatch): Promise<void> {
    try {
      let batch: SourceBatch | undefined = first;
      while (batch) {
        await this.fill(batch);
        this.hooks.forward(batch);
        batch = undefined;
        while (this.waiting.length > 0) {
          const next = this.waiting.shift()!;
          if (next.schemaChanges) {
            batch = next;
            break;
          }
          this.hooks.forward(next);
        }
      }
      this.running = false;
      this.hooks.resume();
    } catch (err) {
      this.hooks.fail(asTributaryError(err, 'MYSQL_QUERY'));
    }
  }

  private async fill(batch: SourceBatch): Promise<void> {
    for (const change of batch.schemaChanges ?? []) {
      for (const t of change.tables) {
        t.definition = t.type === 'DROP' ? null : await this.read(t.db, t.table);
      }
    }
  }
}

import type { SourceBatch } from './model/change-event.js';
import type { TableDefinition } from './model/schema-change.js';
import { asTributaryError, type TributaryError } from './errors/tributary-error.js';
import { StreamHold } from './stream-hold.js';

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
  private readonly hold: StreamHold;

  constructor(
    private readonly read: (db: string, table: string) => Promise<TableDefinition | null>,
    hooks: DefinitionHooks,
  ) {
    this.hold = new StreamHold({
      wants: (batch) => batch.schemaChanges !== undefined,
      handle: async (batch) => {
        await this.fill(batch);
        hooks.forward(batch);
      },
      forward: (batch) => hooks.forward(batch),
      pause: () => hooks.pause(),
      resume: () => hooks.resume(),
      fail: (err) => hooks.fail(asTributaryError(err, 'MYSQL_QUERY')),
    });
  }

  /** Whether definitions are being read (the binlog stays paused meanwhile). */
  get busy(): boolean {
    return this.hold.busy;
  }

  /** Takes a batch with schema changes, and every batch while one is handled; false leaves it to the caller. */
  takes(batch: SourceBatch): boolean {
    return this.hold.takes(batch);
  }

  private async fill(batch: SourceBatch): Promise<void> {
    for (const change of batch.schemaChanges ?? []) {
      for (const t of change.tables) {
        t.definition = t.type === 'DROP' ? null : await this.read(t.db, t.table);
      }
    }
  }
}

/**
 * The seam between the EnvelopeEncoder and a schema registry: the encoder asks for the
 * frame header of each new schema synchronously, and the pipeline waits on `settled()`
 * before it sends a batch, so no row waits for the registry on its own.
 */
export interface RegisteredSchema {
  /** The Confluent header: magic byte 0 and the 4-byte big-endian schema id (zero until known). */
  readonly header: Buffer;
  /** Told of each frame written with `header`; a frame written before the id was known gets it patched in. */
  stamp(frame: Buffer): void;
}

export interface SchemaRegistration {
  /** The registered schema of a table's key or value; starts its registration on first use. */
  schemaFor(table: { db: string; table: string }, part: 'key' | 'value', schema: Record<string, unknown>): RegisteredSchema;
  /** The same for a topic that is no table's (the schema-change topic); `label` names it in messages. */
  schemaForTopic(topic: string, part: 'key' | 'value', schema: Record<string, unknown>, label: string): RegisteredSchema;
  /**
   * Null when every schema handed out has its id and every frame is stamped; otherwise a
   * promise that resolves once they have, or rejects with why a registration failed.
   */
  settled(): Promise<void> | null;
  close(): void;
}

/** Bytes of the Confluent wire-format header. */
export const CONFLUENT_HEADER_LENGTH = 5;

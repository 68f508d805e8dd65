import type { Type } from 'avsc';
import { TributaryError } from '../../errors/tributary-error.js';
import { avroTypeFor } from '../avro-type-for.js';
import type { DecodedMessage, FramingDecoder } from '../message-decoder.js';

/** Byte 0 and the 4-byte schema id that start every Confluent frame. */
const HEADER_LENGTH = 5;

/** Where schemas come from by id: SchemaRegistryClient, or anything that answers the same. */
export interface SchemaSource {
  schemaById(id: number): Promise<string>;
  readonly url: string;
}

interface Reader {
  type: Type;
  schema: unknown;
}

/**
 * Reads the Confluent wire format (00, 4-byte schema id big-endian, Avro body) for
 * `MessageDecoder`: each id's schema is fetched from the registry once and kept (an id
 * never changes its schema). A failed fetch is not kept, so the next message asks again.
 */
export class ConfluentFramingDecoder implements FramingDecoder {
  readonly framing = 'confluent' as const;
  private readonly readers = new Map<number, Promise<Reader>>();

  constructor(private readonly source: SchemaSource) {}

  matches(frame: Buffer): boolean {
    return frame.length >= HEADER_LENGTH && frame[0] === 0x00;
  }

  async decode(frame: Buffer): Promise<DecodedMessage> {
    const id = frame.readUInt32BE(1);
    const reader = await this.readerFor(id);
    let value: unknown;
    try {
      value = reader.type.fromBuffer(frame.subarray(HEADER_LENGTH));
    } catch (err) {
      throw new TributaryError(`cannot decode a Confluent frame with schema id ${id} from ${this.source.url}: ${(err as Error).message}`, {
        code: 'ENCODE',
        cause: err,
        fix: 'the message is truncated or was written with another registry\'s id; point [registry] url at the registry the pipeline wrote this topic with',
      });
    }
    return { framing: 'confluent', schemaRef: String(id), schema: reader.schema, value };
  }

  private readerFor(id: number): Promise<Reader> {
    let reader = this.readers.get(id);
    if (!reader) {
      reader = this.fetch(id);
      this.readers.set(id, reader);
      reader.catch(() => this.readers.delete(id));
    }
    return reader;
  }

  private async fetch(id: number): Promise<Reader> {
    const text = await this.source.schemaById(id);
    try {
      const schema = JSON.parse(text) as unknown;
      return { type: avroTypeFor(schema), schema };
    } catch (err) {
      throw new TributaryError(`schema id ${id} from ${this.source.url} is not a valid Avro schema: ${(err as Error).message}`, {
        code: 'ENCODE',
        cause: err,
        fix: 'read only topics that Tributary writes, with the registry it wrote them with',
      });
    }
  }
}

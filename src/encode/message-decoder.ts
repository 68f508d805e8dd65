import { TributaryError } from '../errors/tributary-error.js';
import { FrameDecoder } from './frame-decoder.js';
import { FRAME_HEADER_LENGTH, FRAME_MARKER_0, FRAME_MARKER_1 } from './single-object-frame.js';

/** A message key or value decoded, with the schema it was written in (JSON form). */
export interface DecodedMessage {
  framing: 'single-object' | 'confluent';
  /** The single-object fingerprint (16 hex digits) or the registry's schema id. */
  schemaRef: string;
  schema: unknown;
  /** As avsc decodes it: longs as bigint, bytes as Buffer, logical types as their physical values. */
  value: unknown;
}

/**
 * One framing a MessageDecoder can read, recognised by its first bytes. Single-object
 * framing (C3 01) is built in; the Confluent wire format (00 + 4-byte schema id) is
 * added by giving a `ConfluentFramingDecoder` (src/encode/registry/), which fetches
 * schemas from the registry.
 */
export interface FramingDecoder {
  framing: DecodedMessage['framing'];
  matches(frame: Buffer): boolean;
  decode(frame: Buffer): Promise<DecodedMessage>;
}

export interface MessageDecoderOptions {
  /** Reads the schemas topic (again): every record with `add`, to its current end. */
  loadSchemas(add: (fingerprintHex: string, schemaJson: string) => void): Promise<void>;
  /** Further framings, tried before single-object framing. */
  framings?: FramingDecoder[];
}

/**
 * Decodes message keys and values of either framing, by their first bytes. A schema
 * published after the schemas topic was read (a table altered while following a topic)
 * makes it read the schemas topic again, once per unknown fingerprint.
 */
export class MessageDecoder {
  private readonly frames = new FrameDecoder();
  private readonly parsed = new Map<string, unknown>();
  private readonly options: MessageDecoderOptions;
  private loaded = false;

  constructor(options: MessageDecoderOptions) {
    this.options = options;
  }

  async decode(frame: Buffer): Promise<DecodedMessage> {
    for (const f of this.options.framings ?? []) if (f.matches(frame)) return f.decode(frame);
    if (frame.length >= FRAME_HEADER_LENGTH && frame[0] === FRAME_MARKER_0 && frame[1] === FRAME_MARKER_1) return this.singleObject(frame);
    const start = frame.subarray(0, 2).toString('hex') || '(empty)';
    if (frame[0] === 0x00 && frame.length >= 5) {
      throw new TributaryError(`message is in the Confluent wire format (schema id ${frame.readUInt32BE(1)}): its schema is in a schema registry, and no [registry] is configured`, {
        code: 'ENCODE',
        fix: 'add the [registry] section of the pipeline that wrote this topic (url, and credentials or TLS files if it needs them) to the config file, so that the schema can be fetched by its id',
      });
    }
    throw new TributaryError(`message is in neither Avro single-object framing (c301) nor the Confluent wire format (00): it starts ${start}`, {
      code: 'ENCODE',
      fix: 'tail only topics that Tributary writes (table topics and the schema-change topic)',
    });
  }

  private async singleObject(frame: Buffer): Promise<DecodedMessage> {
    const fingerprint = frame.readBigUInt64LE(2).toString(16).padStart(16, '0');
    if (!this.frames.hasSchema(fingerprint)) await this.reload(fingerprint);
    const decoded = this.frames.decode(frame);
    let schema = this.parsed.get(decoded.fingerprint);
    if (schema === undefined) {
      schema = JSON.parse(this.frames.schemaJson(decoded.fingerprint)!) as unknown;
      this.parsed.set(decoded.fingerprint, schema);
    }
    return { framing: 'single-object', schemaRef: decoded.fingerprint, schema, value: decoded.value };
  }

  private readonly missing = new Set<string>();

  private async reload(fingerprint: string): Promise<void> {
    // Read once at the start, and once more per fingerprint not found (a schema newer than the read).
    if (this.loaded && this.missing.has(fingerprint)) return;
    if (this.loaded) this.missing.add(fingerprint);
    this.loaded = true;
    await this.options.loadSchemas((fp, json) => {
      if (!this.frames.hasSchema(fp)) this.frames.addSchema(fp, json);
    });
  }
}

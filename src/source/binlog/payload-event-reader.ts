import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type ZongJi from '@vlasky/zongji';
import type { Position } from '../../model/position.js';
import { TributaryError } from '../../errors/tributary-error.js';
import type { RowsEventLike } from './transaction-assembler.js';
import { EVENT_HEADER_BYTES, TRANSACTION_PAYLOAD_EVENT, innerEvents, payloadBytes, type InnerEvent } from './transaction-payload.js';

/*
 * zongji parses a TRANSACTION_PAYLOAD_EVENT into an empty event and reports it as
 * unsupported; it exports none of its event classes. Row decoding must stay zongji's own
 * (table map cache, value decoding, connection options), so this module reaches into the
 * package as little as it can, checked once at load:
 * - lib/code_map.js getEventClass and lib/reader.js Parser: the inner events are parsed by
 *   the very classes the packet layer uses;
 * - the TransactionPayload class gets a base class that keeps the event's body, so the
 *   event zongji emits carries its bytes (zongji's constructor calls super() first);
 * - per instance: the payload is marked handled in zongji's set of reported unsupported
 *   events, and its GTID is folded into zongji's executed set as a commit would.
 * If any of it is missing (another zongji version), nothing is patched: zongji's own
 * "unsupported" error then stops the pipeline at the first compressed transaction, as before.
 */

interface EventOptions {
  timestamp: number;
  nextPosition: number;
  size: number;
  eventType: number;
  serverId: number;
}

interface ZongjiParser {
  append(buffer: Uint8Array): void;
  parseBuffer(length?: number): Buffer;
}

type EventClass = (new (parser: ZongjiParser, options: EventOptions, zongji: unknown) => ZongjiEvent) & { unsupportedReason?: string };

interface ZongjiEvent extends RowsEventLike {
  _filtered?: boolean;
  body?: Buffer;
  nextPosition: number;
  size: number;
  hasSelfDescribingMetadata?(): boolean;
  buildColumnSchemas?(): unknown;
  updateColumnInfo?(): void;
}

/** The zongji internals this module relies on (see above). */
interface ZongjiInternals {
  tableMap: Record<number, unknown>;
  useChecksum: boolean;
  gtidSet?: string;
  options: { filename?: string; position?: number };
  _warnedUnsupported: Set<string>;
  _currentGtid: string | undefined;
  _trackGtidProgress(eventName: string, event: unknown): boolean;
}

const XID_EVENT = 16;
const QUERY_EVENT = 2;

const lib = (file: string): string =>
  pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('@vlasky/zongji')), 'lib', file)).href;

async function loadInternals(): Promise<{ getEventClass: (code: number) => EventClass; Parser: new () => ZongjiParser } | string> {
  try {
    const [codeMap, reader, events, zongji] = await Promise.all([import(lib('code_map.js')), import(lib('reader.js')), import(lib('binlog_event.js')), import('@vlasky/zongji')]);
    const getEventClass = codeMap.getEventClass as (code: number) => EventClass;
    const Payload = events.TransactionPayload as EventClass | undefined;
    const Base = events.BinlogEvent as (new (parser: ZongjiParser, options: EventOptions) => object) | undefined;
    const proto = (zongji.default as { prototype: Partial<ZongjiInternals> }).prototype;
    if (typeof getEventClass !== 'function' || typeof reader.Parser !== 'function' || !Payload || !Base) return 'its event classes are not where expected';
    if (getEventClass(TRANSACTION_PAYLOAD_EVENT) !== Payload || Object.getPrototypeOf(Payload) !== Base) return 'its TransactionPayload class has changed';
    if (typeof proto._trackGtidProgress !== 'function') return 'its GTID tracking has changed';
    class PayloadBody extends Base {
      body: Buffer;
      constructor(parser: ZongjiParser, options: EventOptions) {
        super(parser, options);
        // The rest of the packet: header, data, and the checksum if any (the header bounds the data).
        this.body = parser.parseBuffer();
      }
    }
    Object.setPrototypeOf(Payload, PayloadBody);
    return { getEventClass, Parser: reader.Parser as new () => ZongjiParser };
  } catch (err) {
    return `its modules could not be loaded (${String(err)})`;
  }
}

const internals = await loadInternals();

/** A payload's inner events, handed on one at a time, with the position each one reads. */
export interface PayloadCursor {
  /** The next inner event the tailer follows, parsed by zongji's classes; null at the end. */
  next(): RowsEventLike | null;
  /** The position at the event `next` returned last: after the payload at its commit marker, its start before. */
  position(): Position;
}

/**
 * Opens the TRANSACTION_PAYLOAD_EVENTs of one zongji instance: decompresses each once and
 * parses its inner events lazily, one per `next()`, so a large transaction is read only as
 * fast as the pipeline takes it.
 */
export class PayloadEventReader {
  private readonly zongji: ZongjiInternals;
  /** zongji as its classes see it, but without checksums: inner events carry none. */
  private readonly view: ZongjiInternals;
  private readonly include: ReadonlySet<string>;

  /** Whether this zongji can be taught compressed transactions; if not, zongji reports them itself. */
  static get supported(): boolean {
    return typeof internals !== 'string';
  }

  /**
   * `include`: zongji event names to hand on (as in its includeEvents). `byGtid` false leaves
   * the GTID set out of positions, as the tailer does below gtid_mode = ON.
   */
  constructor(
    zongji: ZongJi,
    include: Iterable<string>,
    private readonly byGtid = true,
  ) {
    this.zongji = zongji as unknown as ZongjiInternals;
    this.view = Object.create(this.zongji, { useChecksum: { value: false } }) as ZongjiInternals;
    this.include = new Set(include);
    if (typeof internals !== 'string') this.zongji._warnedUnsupported.add('TransactionPayload');
  }

  /**
   * Takes a payload event as zongji emitted it (its resume position already after it).
   * A payload is a whole transaction, so its GTID enters zongji's executed set here, as
   * zongji does at an uncompressed commit: every later event sees the same state either way.
   */
  open(event: RowsEventLike): PayloadCursor {
    if (typeof internals === 'string') {
      throw new TributaryError(`compressed transactions cannot be read with this zongji: ${internals}`, {
        code: 'BINLOG_STREAM',
        fix: 'install the @vlasky/zongji version in package-lock.json, or set binlog_transaction_compression = OFF on the server',
      });
    }
    const e = event as ZongjiEvent;
    if (!e.body) throw new TributaryError('a TRANSACTION_PAYLOAD_EVENT came without its bytes', { code: 'BINLOG_STREAM' });
    const bytes = payloadBytes(e.body);
    e.body = undefined;
    const frames = innerEvents(bytes);
    const z = this.zongji;
    const file = z.options.filename ?? '';
    const eventLength = e.size + EVENT_HEADER_BYTES + (z.useChecksum ? 4 : 0);
    const start: Position = { gtid: (this.byGtid && z.gtidSet) || null, file, pos: e.nextPosition - eventLength };
    const last = frames[frames.length - 1];
    const commits = last !== undefined && (last.type === XID_EVENT || last.type === QUERY_EVENT);
    if (commits) {
      z._trackGtidProgress('xid', event);
      z._currentGtid = undefined;
    }
    const end: Position = { gtid: (this.byGtid && z.gtidSet) || null, file, pos: z.options.position ?? e.nextPosition };
    return new Cursor(internals, this.view, this.include, bytes, frames, event.gtid, commits ? end : start, start);
  }
}

class Cursor implements PayloadCursor {
  private i = 0;
  private atLast = false;

  constructor(
    private readonly internals: { getEventClass: (code: number) => EventClass; Parser: new () => ZongjiParser },
    private readonly zongji: ZongjiInternals,
    private readonly include: ReadonlySet<string>,
    private readonly bytes: Uint8Array,
    private readonly frames: InnerEvent[],
    private readonly gtid: string | undefined,
    private readonly end: Position,
    private readonly start: Position,
  ) {
    this.position = this.position.bind(this);
  }

  position(): Position {
    return this.atLast ? this.end : this.start;
  }

  next(): RowsEventLike | null {
    const { frames, internals } = this;
    while (this.i < frames.length) {
      const frame = frames[this.i++]!;
      const Class = internals.getEventClass(frame.type);
      if (Class.unsupportedReason) {
        throw new TributaryError(`in a compressed transaction: ${Class.unsupportedReason}`, { code: 'MYSQL_SERVER_SETTING' });
      }
      if (!this.include.has(Class.name.toLowerCase())) continue;
      const parser = new internals.Parser();
      parser.append(this.bytes.subarray(frame.start + EVENT_HEADER_BYTES, frame.start + frame.length));
      const options: EventOptions = {
        timestamp: frame.timestamp * 1000,
        nextPosition: frame.nextPosition,
        size: frame.length - EVENT_HEADER_BYTES,
        eventType: frame.type,
        serverId: frame.serverId,
      };
      const event = new Class(parser, options, this.zongji);
      if (event._filtered === true) continue;
      if (event.getEventName() === 'tablemap') this.tableMap(event);
      if (!('gtid' in event)) event.gtid = this.gtid;
      this.atLast = this.i === frames.length;
      return event;
    }
    this.frames.length = 0;
    return null;
  }

  /** What zongji's event handler does for a table map that carries its columns (binlog_row_metadata=FULL). */
  private tableMap(event: ZongjiEvent): void {
    if (!event.hasSelfDescribingMetadata?.()) {
      throw new TributaryError(`the table map of ${event.schemaName}.${event.tableName} in a compressed transaction has no column metadata`, {
        code: 'MYSQL_SERVER_SETTING',
        fix: "run SET GLOBAL binlog_row_metadata = 'FULL' on the source server (and set it in its config file)",
      });
    }
    this.zongji.tableMap[event.tableId!] = { columnSchemas: event.buildColumnSchemas!(), parentSchema: event.schemaName, tableName: event.tableName };
    event.updateColumnInfo!();
  }
}

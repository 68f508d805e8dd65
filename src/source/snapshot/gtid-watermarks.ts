import { TributaryError } from '../../errors/tributary-error.js';
import type { WatermarkSource } from './watermark-source.js';
import type { GtidWindows } from './gtid-windows.js';
import { ExecutedGtids } from './executed-gtids.js';

/** How long a low watermark waits for the executed set to cover what the stream already read. */
const CATCH_UP_MS = 10_000;

/**
 * Watermarks read, never written (`snapshot.watermarks = "gtid"`): the executed GTID set
 * before and after each chunk's SELECT; GtidWindows (the `stream` side) says where the
 * stream opens and closes the chunk's window from them.
 */
export class GtidWatermarks implements WatermarkSource {
  readonly stream: GtidWindows;
  private readonly read: () => Promise<string>;

  constructor(read: () => Promise<string>, windows: GtidWindows) {
    this.read = read;
    this.stream = windows;
  }

  async mark(_pipeline: string, _slot: number, chunk: string, kind: 'low' | 'high'): Promise<void> {
    if (kind === 'high') {
      this.stream.high(chunk, await this.read());
      return;
    }
    const target = this.stream.low(chunk, await this.read());
    if (target === null) return;
    // The stream read a transaction from the binlog before it entered the executed set
    // (the binlog is written before the commit completes): the SELECT waits until it has.
    const until = Date.now() + CATCH_UP_MS;
    while (!ExecutedGtids.parse(await this.read()).covers(target)) {
      if (Date.now() > until) {
        throw new TributaryError(`the executed GTID set did not reach what the binlog stream had read (${target.toString()}) within ${CATCH_UP_MS} ms`, {
          code: 'SNAPSHOT',
          retriable: true,
          fix: 'report this with the server version: a transaction stayed in the binlog without entering the executed GTID set',
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}

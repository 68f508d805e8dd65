import type { Type } from 'avsc';

/**
 * Writes single-object frames through one growing scratch buffer, so a message costs
 * one exact-size copy and no intermediate body buffer. Not reentrant; encoding is
 * synchronous, so one writer per encoder is enough.
 */
export class FrameWriter {
  private scratch: Buffer;

  constructor(initialSize = 64 * 1024) {
    this.scratch = Buffer.allocUnsafe(initialSize);
  }

  /** `header` (see `frameHeader`) followed by `value` encoded with `type`. Throws avsc's error on an invalid value. */
  write(header: Buffer, type: Type, value: unknown): Buffer {
    for (;;) {
      header.copy(this.scratch, 0);
      const end = type.encode(value, this.scratch, header.length);
      if (end >= 0) {
        const out = Buffer.allocUnsafe(end);
        this.scratch.copy(out, 0, 0, end);
        return out;
      }
      // avsc reports how many bytes were missing as a negative end.
      this.scratch = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, this.scratch.length - end));
    }
  }
}

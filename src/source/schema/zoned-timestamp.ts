import { parseDateTimeMicros } from './temporal-micros.js';

/** Fraction zeros to pad with, indexed by how many digits are missing (0..6). */
const ZEROS = ['', '0', '00', '000', '0000', '00000', '000000'];

/**
 * Debezium's `io.debezium.time.ZonedTimestamp` text of a TIMESTAMP(fsp) value that the
 * server (snapshot, session time_zone '+00:00') or zongji (binlog, timezone 'Z') printed in
 * UTC as `YYYY-MM-DD HH:MM:SS[.f{1,6}]`; null for a zero or partial date.
 *
 * The shape is what Debezium's binlog reader produces: ISO-8601 in UTC with a `Z`, and
 * exactly `fsp` fraction digits, trailing zeros kept (`TIMESTAMP(3)` 12:00:00 ->
 * `12:00:00.000Z`), no fraction at all for fsp 0. The text's own fraction is padded or cut
 * to fsp so that it does not matter whether the printer trimmed zeros.
 */
export function parseZonedTimestamp(text: string, fsp: number): string | null {
  // Validates every field and recognizes zero dates; the instant itself is already in the text.
  if (parseDateTimeMicros(text) === null) return null;
  const whole = `${text.slice(0, 10)}T${text.slice(11, 19)}`;
  if (fsp <= 0) return `${whole}Z`;
  const width = Math.min(fsp, 6);
  const digits = text.length > 20 ? text.slice(20, 20 + width) : '';
  return `${whole}.${digits}${ZEROS[width - digits.length]}Z`;
}


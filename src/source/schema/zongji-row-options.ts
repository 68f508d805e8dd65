/**
 * mysql2 connection options that RowDecoder assumes. The binlog tailer spreads them into
 * the ZongJi constructor's connection options (zongji reads them from its connection's
 * config when it decodes rows), and the snapshot uses them for its SELECT connection:
 *
 * - `dateStrings`: DATE/DATETIME/TIMESTAMP as text. Without it zongji builds JS Dates,
 *   which truncate to milliseconds, shift with the process time zone, and turn zero
 *   dates into Invalid Date.
 * - `timezone: 'Z'`: zongji formats a binlog TIMESTAMP (stored as epoch seconds) with
 *   this zone before handing it over as text; 'Z' makes the text UTC, which is how
 *   RowDecoder reads it. The binlog connection's server session time zone does not matter
 *   (row events carry TIMESTAMP as epoch seconds), but a snapshot SELECT must run with
 *   `SET time_zone = '+00:00'` so the server formats TIMESTAMPs in UTC too.
 * - `jsonStrings`: MySQL JSON columns as JSON text, not parsed objects (whose numbers
 *   would round). MariaDB's JSON is LONGTEXT and arrives as text anyway.
 * - `supportBigNumbers` + `bigNumberStrings`: BIGINT/DECIMAL results of the control and
 *   snapshot connections as exact strings (zongji's binlog decoding already is exact).
 * - `decimalNumbers` stays off: DECIMAL must arrive as exact text.
 */
export const ZONGJI_ROW_OPTIONS = Object.freeze({
  dateStrings: true,
  timezone: 'Z',
  jsonStrings: true,
  supportBigNumbers: true,
  bigNumberStrings: true,
  decimalNumbers: false,
} as const);

/**
 * Parsers for the temporal text that zongji (with `dateStrings: true`) and mysql2 produce:
 * `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS[.f{1,6}]`, `[-]H{2,3}:MM:SS[.f{1,6}]`. They read fixed
 * positions with charCodeAt (no regex, no Date) because they run once per temporal value of
 * every row. A malformed string throws a plain Error; the caller adds the column context.
 */

const MICROS_PER_SECOND = 1_000_000n;
/** Seconds whose microseconds (plus a fraction below a second) stay below 2^53. */
const SAFE_SECONDS = Math.floor(Number.MAX_SAFE_INTEGER / 1_000_000) - 1;
const SECONDS_PER_DAY = 86_400;
/** 10^(6-k): scales k fraction digits to microseconds. */
const FRACTION_SCALE = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

function malformed(kind: string, text: string): Error {
  return new Error(`malformed ${kind} value '${text}'`);
}

/** The unsigned decimal number at text[from, to); -1 when any character is not a digit. */
function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return to > from ? n : -1;
}

/** Microseconds from the fraction that starts at text[at] ('.' then 1-6 digits), or 0 if absent. */
function fractionMicros(kind: string, text: string, at: number): number {
  if (at === text.length) return 0;
  const count = text.length - at - 1;
  if (text.charCodeAt(at) !== 46 /* . */ || count < 1 || count > 6) throw malformed(kind, text);
  const f = digits(text, at + 1, text.length);
  if (f < 0) throw malformed(kind, text);
  return f * (FRACTION_SCALE[count] ?? 1);
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil);
 * exact for every MySQL year 0..9999, where Date.UTC would remap years below 100.
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Days of `YYYY-MM-DD...`, or null for a zero or partial date (month or day 0). */
function dateDays(kind: string, text: string): number | null {
  if (text.length < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) throw malformed(kind, text);
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  if (year < 0 || month < 0 || day < 0 || month > 12 || day > 31) throw malformed(kind, text);
  if (month === 0 || day === 0) return null;
  return daysFromCivil(year, month, day);
}

/** Avro `date`: days since the epoch (negative before 1970); null for zero/partial dates. */
export function parseDateDays(text: string): number | null {
  if (text.length !== 10) throw malformed('DATE', text);
  return dateDays('DATE', text);
}

/**
 * Avro `timestamp-micros` of a DATETIME/TIMESTAMP text read as UTC wall clock; null for
 * zero/partial dates. bigint, since 9999-12-31 in microseconds exceeds 2^53.
 */
export function parseDateTimeMicros(text: string): bigint | null {
  const kind = 'DATETIME';
  if (text.length < 19 || text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) {
    throw malformed(kind, text);
  }
  const days = dateDays(kind, text);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  if (hour < 0 || minute < 0 || second < 0 || hour > 23 || minute > 59 || second > 59) throw malformed(kind, text);
  const micros = fractionMicros(kind, text, 19);
  if (days === null) return null;
  const seconds = days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
  // Within ±2^53 µs (years 1685 to 2255) the sum is exact as a Number: one BigInt instead of three.
  if (seconds > -SAFE_SECONDS && seconds < SAFE_SECONDS) return BigInt(seconds * 1_000_000 + micros);
  return BigInt(seconds) * MICROS_PER_SECOND + BigInt(micros);
}

/**
 * Signed microseconds of a TIME text (published as a plain `long`, Debezium's MicroTime).
 * MySQL TIME is a duration (-838:59:59.000000 to 838:59:59.000000), so negative values and
 * values past 24 h are kept as they are.
 */
export function parseTimeMicros(text: string): bigint {
  const kind = 'TIME';
  const negative = text.charCodeAt(0) === 45; /* - */
  const start = negative ? 1 : 0;
  const colon = text.indexOf(':', start);
  if (colon - start < 2 || colon - start > 3 || text.length < colon + 6) throw malformed(kind, text);
  if (text.charCodeAt(colon + 3) !== 58) throw malformed(kind, text);
  const hour = digits(text, start, colon);
  const minute = digits(text, colon + 1, colon + 3);
  const second = digits(text, colon + 4, colon + 6);
  if (hour < 0 || minute < 0 || second < 0 || minute > 59 || second > 59) throw malformed(kind, text);
  const micros = (hour * 3600 + minute * 60 + second) * 1_000_000 + fractionMicros(kind, text, colon + 6);
  // At most 3.02e12 µs: exact as a Number before the one conversion.
  return BigInt(negative ? -micros : micros);
}

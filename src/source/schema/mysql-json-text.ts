/**
 * MySQL's binary JSON (the binlog's form of a JSON column) as the text MySQL itself
 * prints for it (CAST(j AS CHAR), and what a snapshot SELECT returns), so a row publishes
 * the same io.debezium.data.Json string from the stream and from the snapshot.
 *
 * zongji's own decoding cannot be used: it prints doubles as JavaScript does (`1e+308`,
 * `3` for 3.0, `0` for -0.0) and DECIMALs inside JSON as quoted strings, which changes a
 * number into a string. The format: sql-common/json_binary.h of the MySQL source.
 */
const SMALL_OBJECT = 0x00;
const LARGE_OBJECT = 0x01;
const SMALL_ARRAY = 0x02;
const LARGE_ARRAY = 0x03;
const LITERAL = 0x04;
const INT16 = 0x05;
const UINT16 = 0x06;
const INT32 = 0x07;
const UINT32 = 0x08;
const INT64 = 0x09;
const UINT64 = 0x0a;
const DOUBLE = 0x0b;
const STRING = 0x0c;
const OPAQUE = 0x0f;

/** MySQL field types an opaque JSON value may carry that MySQL prints as themselves. */
const MYSQL_TIMESTAMP = 7;
const MYSQL_DATE = 10;
const MYSQL_TIME = 11;
const MYSQL_DATETIME = 12;
const MYSQL_NEWDECIMAL = 246;

/** Bytes of a decimal group of n < 9 digits (decimal2bin). */
const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

/** The text of one binary JSON document. An empty value is JSON null, as MySQL reads it. */
export function mysqlJsonText(doc: Uint8Array): string {
  if (doc.length === 0) return 'null';
  const buf = Buffer.isBuffer(doc) ? doc : Buffer.from(doc.buffer, doc.byteOffset, doc.length);
  const out: string[] = [];
  value(buf, buf[0]!, 1, out);
  return out.join('');
}

/** Writes the value of `type` whose data starts at `at`. */
function value(buf: Buffer, type: number, at: number, out: string[]): void {
  switch (type) {
    case SMALL_OBJECT:
    case LARGE_OBJECT:
      return container(buf, at, type === LARGE_OBJECT, true, out);
    case SMALL_ARRAY:
    case LARGE_ARRAY:
      return container(buf, at, type === LARGE_ARRAY, false, out);
    case LITERAL:
      out.push(buf[at] === 1 ? 'true' : buf[at] === 2 ? 'false' : 'null');
      return;
    case INT16:
      out.push(String(buf.readInt16LE(at)));
      return;
    case UINT16:
      out.push(String(buf.readUInt16LE(at)));
      return;
    case INT32:
      out.push(String(buf.readInt32LE(at)));
      return;
    case UINT32:
      out.push(String(buf.readUInt32LE(at)));
      return;
    case INT64:
      out.push(buf.readBigInt64LE(at).toString());
      return;
    case UINT64:
      out.push(buf.readBigUInt64LE(at).toString());
      return;
    case DOUBLE:
      out.push(doubleText(buf.readDoubleLE(at)));
      return;
    case STRING: {
      const [length, start] = varLength(buf, at);
      out.push(JSON.stringify(buf.toString('utf8', start, start + length)));
      return;
    }
    case OPAQUE: {
      const fieldType = buf[at]!;
      const [length, start] = varLength(buf, at + 1);
      out.push(opaqueText(fieldType, buf.subarray(start, start + length)));
      return;
    }
    default:
      throw new Error(`unknown binary JSON value type ${type}`);
  }
}

function container(buf: Buffer, start: number, large: boolean, object: boolean, out: string[]): void {
  const size = large ? 4 : 2;
  const read = (at: number) => (large ? buf.readUInt32LE(at) : buf.readUInt16LE(at));
  const count = read(start);
  const keyEntries = start + 2 * size;
  const valueEntries = keyEntries + (object ? count * (size + 2) : 0);
  out.push(object ? '{' : '[');
  for (let i = 0; i < count; i++) {
    if (i > 0) out.push(', ');
    if (object) {
      const key = keyEntries + i * (size + 2);
      const keyAt = start + read(key);
      out.push(JSON.stringify(buf.toString('utf8', keyAt, keyAt + buf.readUInt16LE(key + size))), ': ');
    }
    const entry = valueEntries + i * (1 + size);
    const type = buf[entry]!;
    // Literals and integers that fit the offset field are stored in it (inlined).
    const inlined = type === LITERAL || type === INT16 || type === UINT16 || (large && (type === INT32 || type === UINT32));
    value(buf, type, inlined ? entry + 1 : start + read(entry + 1), out);
  }
  out.push(object ? '}' : ']');
}

/** A length in 7-bit groups, low group first; returns [length, where the data starts]. */
function varLength(buf: Buffer, at: number): [number, number] {
  let length = 0;
  for (let shift = 0, i = at; ; shift += 7, i++) {
    const byte = buf[i]!;
    length += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [length, i + 1];
  }
}

/**
 * A double as MySQL prints it in JSON (my_gcvt): the shortest digits that read back to the
 * same double, in fixed notation with at least one fractional digit (`3.0`, `-0.0`)
 * unless the decimal point sits more than 15 places out (`1e15`, `1e-16`, no `+`).
 * Measured on MySQL 9.7: 1e14 prints 100000000000000.0, 1e15 prints 1e15,
 * 1234567890123456.8 stays fixed, 1e-15 prints 0.000000000000001, 1e-16 prints 1e-16.
 */
export function doubleText(d: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const sign = d < 0 ? '-' : '';
  const [mantissa, exponent] = Math.abs(d).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const point = Number(exponent) + 1; // digits before the decimal point
  if (point <= -15 || (point > 15 && point >= digits.length)) {
    return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${point - 1}`;
  }
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point < digits.length) return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
}

function opaqueText(fieldType: number, data: Buffer): string {
  switch (fieldType) {
    case MYSQL_NEWDECIMAL:
      return decimalText(data[0]!, data[1]!, data.subarray(2));
    case MYSQL_DATE:
      return `"${packedDateTime(data, false).slice(0, 10)}"`;
    case MYSQL_DATETIME:
    case MYSQL_TIMESTAMP:
      return `"${packedDateTime(data, true)}"`;
    case MYSQL_TIME:
      return `"${packedTime(data)}"`;
    default:
      // What MySQL prints for any other opaque value (a BLOB or BIT cast to JSON, say).
      return `"base64:type${fieldType}:${data.toString('base64')}"`;
  }
}

const pad = (n: number | bigint, width: number) => String(n).padStart(width, '0');

/** A packed DATETIME (TIME_to_longlong_datetime_packed): ymd << 17 | hms, shifted by 24 bits of microseconds. */
function packedDateTime(data: Buffer, withTime: boolean): string {
  let packed = data.readBigInt64LE(0);
  if (packed < 0n) packed = -packed;
  const micros = packed & 0xffffffn;
  const ymdhms = packed >> 24n;
  const ymd = ymdhms >> 17n;
  const hms = ymdhms & 0x1ffffn;
  const ym = ymd >> 5n;
  const date = `${pad(ym / 13n, 4)}-${pad(ym % 13n, 2)}-${pad(ymd & 31n, 2)}`;
  if (!withTime) return date;
  return `${date} ${pad(hms >> 12n, 2)}:${pad((hms >> 6n) & 63n, 2)}:${pad(hms & 63n, 2)}.${pad(micros, 6)}`;
}

/** A packed TIME: hour << 12 | minute << 6 | second, shifted by 24 bits of microseconds, negated when negative. */
function packedTime(data: Buffer): string {
  const raw = data.readBigInt64LE(0);
  const packed = raw < 0n ? -raw : raw;
  const micros = packed & 0xffffffn;
  const hms = packed >> 24n;
  return `${raw < 0n ? '-' : ''}${pad(hms >> 12n, 2)}:${pad((hms >> 6n) & 63n, 2)}:${pad(hms & 63n, 2)}.${pad(micros, 6)}`;
}

/** MySQL's binary DECIMAL (decimal2bin) as its text, with all `scale` fractional digits. */
function decimalText(precision: number, scale: number, bin: Buffer): string {
  const b = Buffer.from(bin);
  const negative = (b[0]! & 0x80) === 0;
  b[0] = b[0]! ^ 0x80;
  if (negative) for (let i = 0; i < b.length; i++) b[i] = ~b[i]! & 0xff;
  let at = 0;
  const group = (bytes: number) => {
    let n = 0;
    for (let i = 0; i < bytes; i++) n = n * 256 + b[at++]!;
    return n;
  };
  const intg = precision - scale;
  let integer = '';
  if (intg % 9 > 0) integer += String(group(DIG2BYTES[intg % 9]!));
  for (let i = 0; i < Math.floor(intg / 9); i++) integer += pad(group(4), 9);
  let fraction = '';
  for (let i = 0; i < Math.floor(scale / 9); i++) fraction += pad(group(4), 9);
  if (scale % 9 > 0) fraction += pad(group(DIG2BYTES[scale % 9]!), scale % 9);
  integer = integer.replace(/^0+(?=\d)/, '') || '0';
  return `${negative ? '-' : ''}${integer}${scale > 0 ? `.${fraction}` : ''}`;
}

/**
 * A decoded Avro datum as exact JSON, driven by its schema (in JSON form), for people and
 * for tools such as jq: JSON has no 64-bit integers, no bytes and no decimals, and a JS
 * number above 2^53 is not exact. So:
 * - `long` (and every long-based type: BIGINT, positions) is a string of its digits;
 * - `bytes`/`fixed` are base64; a `decimal` is its value as a string, scale applied
 *   (`"123.45"`, `"18446744073709551615"`);
 * - `date` is `{"days": n, "iso": "YYYY-MM-DD"}`; `timestamp-micros`/`-millis` (and the
 *   `local-` ones) are `{"micros"|"millis": "n", "iso": "...Z"}`; `time-micros` and
 *   Debezium's `MicroTime` are `{"micros": "n", "iso": "[-]HHH:MM:SS.ffffff"}`: the raw
 *   Avro value stays exact next to a rendering a person reads;
 * - a union is its branch's value (null as null), records are objects in field order.
 */
export function avroJsonValue(schema: unknown, value: unknown): unknown {
  const names = new Map<string, unknown>();
  collectNames(schema, '', names);
  return convert(schema, value, '', names);
}

type SchemaObject = { type: unknown; [k: string]: unknown };

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

function fullName(name: string, namespace: string): string {
  return name.includes('.') || namespace === '' ? name : `${namespace}.${name}`;
}

function collectNames(schema: unknown, namespace: string, names: Map<string, unknown>): void {
  if (Array.isArray(schema)) {
    for (const s of schema) collectNames(s, namespace, names);
    return;
  }
  if (typeof schema !== 'object' || schema === null) return;
  const s = schema as SchemaObject;
  let ns = namespace;
  if ((s.type === 'record' || s.type === 'enum' || s.type === 'fixed' || s.type === 'error') && typeof s['name'] === 'string') {
    const full = fullName(s['name'], typeof s['namespace'] === 'string' ? s['namespace'] : namespace);
    names.set(full, s);
    ns = full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : '';
  }
  if (Array.isArray(s['fields'])) for (const f of s['fields'] as { type: unknown }[]) collectNames(f.type, ns, names);
  if (s.type === 'array') collectNames(s['items'], ns, names);
  if (s.type === 'map') collectNames(s['values'], ns, names);
  if (typeof s.type === 'object') collectNames(s.type, ns, names);
}

function convert(schema: unknown, value: unknown, namespace: string, names: Map<string, unknown>): unknown {
  if (value === null || value === undefined) return null;
  if (typeof schema === 'string') {
    if (PRIMITIVES.has(schema)) return primitive(schema, value);
    const named = names.get(fullName(schema, namespace)) ?? names.get(schema);
    return named === undefined ? plain(value) : convert(named, value, namespaceOf(named, namespace), names);
  }
  if (Array.isArray(schema)) return union(schema, value, namespace, names);
  if (typeof schema !== 'object' || schema === null) return plain(value);
  const s = schema as SchemaObject;
  const logical = typeof s['logicalType'] === 'string' ? s['logicalType'] : typeof s['connect.name'] === 'string' ? s['connect.name'] : undefined;
  if (logical !== undefined) {
    const rendered = logicalValue(logical, s, value);
    if (rendered !== undefined) return rendered;
  }
  switch (s.type) {
    case 'record':
    case 'error': {
      const ns = namespaceOf(s, namespace);
      const out: Record<string, unknown> = {};
      const record = value as Record<string, unknown>;
      for (const f of (s['fields'] as { name: string; type: unknown }[]) ?? []) out[f.name] = convert(f.type, record[f.name], ns, names);
      return out;
    }
    case 'array':
      return (value as unknown[]).map((v) => convert(s['items'], v, namespace, names));
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = convert(s['values'], v, namespace, names);
      return out;
    }
    case 'enum':
      return value;
    case 'fixed':
      return Buffer.from(value as Uint8Array).toString('base64');
    default:
      return convert(s.type, value, namespace, names);
  }
}

function namespaceOf(schema: unknown, namespace: string): string {
  const s = schema as SchemaObject;
  if (typeof s?.['name'] !== 'string') return namespace;
  const full = fullName(s['name'], typeof s['namespace'] === 'string' ? s['namespace'] : namespace);
  return full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : '';
}

function union(branches: unknown[], value: unknown, namespace: string, names: Map<string, unknown>): unknown {
  const others = branches.filter((b) => b !== 'null');
  if (others.length === 1) return convert(others[0], value, namespace, names);
  // A wrapped union value is {branchName: value}.
  if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value)) {
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [name, inner] = entries[0]!;
      const branch = others.find((b) => branchName(b, namespace) === name);
      if (branch !== undefined) return { [name]: convert(branch, inner, namespace, names) };
    }
  }
  return plain(value);
}

function branchName(branch: unknown, namespace: string): string {
  if (typeof branch === 'string') return branch;
  const s = branch as SchemaObject;
  if (typeof s['name'] === 'string') return fullName(s['name'], typeof s['namespace'] === 'string' ? s['namespace'] : namespace);
  return typeof s.type === 'string' ? s.type : '';
}

function primitive(type: string, value: unknown): unknown {
  if (type === 'long') return typeof value === 'bigint' ? value.toString() : String(value);
  if (type === 'bytes') return Buffer.from(value as Uint8Array).toString('base64');
  if ((type === 'float' || type === 'double') && typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

/** Anything decoded without a schema to say what it is: bigints as strings, bytes base64. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}

const MICROS_PER_DAY = 86_400_000_000n;

function logicalValue(logical: string, s: SchemaObject, value: unknown): unknown {
  switch (logical) {
    case 'decimal':
      if (s.type === 'bytes' || s.type === 'fixed') return decimalString(Buffer.from(value as Uint8Array), Number(s['scale'] ?? 0));
      return undefined;
    case 'date':
      return typeof value === 'number' ? { days: value, iso: isoDate(BigInt(value) * MICROS_PER_DAY) } : undefined;
    case 'timestamp-micros':
    case 'local-timestamp-micros':
      return { micros: String(value), iso: isoDateTime(BigInt(value as bigint), logical === 'timestamp-micros') };
    case 'timestamp-millis':
    case 'local-timestamp-millis':
      return { millis: String(value), iso: isoDateTime(BigInt(value as bigint) * 1000n, logical === 'timestamp-millis') };
    case 'time-micros':
    case 'io.debezium.time.MicroTime':
      return { micros: String(value), iso: duration(BigInt(value as bigint)) };
    default:
      return undefined;
  }
}

/** A big-endian two's-complement unscaled value with `scale` digits after the point. */
export function decimalString(bytes: Buffer, scale: number): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  if (bytes.length > 0 && (bytes[0]! & 0x80) !== 0) n -= 1n << BigInt(bytes.length * 8);
  const negative = n < 0n;
  let digits = (negative ? -n : n).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function isoDate(micros: bigint): string {
  return isoDateTime(micros, false).slice(0, 10);
}

/** ISO 8601 with every microsecond; years outside 0..9999 in the extended ±YYYYYY form. */
function isoDateTime(micros: bigint, zoned: boolean): string {
  const ms = floorDiv(micros, 1000n);
  const rest = micros - ms * 1000n;
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) return '';
  const iso = date.toISOString(); // ...T..:..:..sssZ
  return `${iso.slice(0, -1)}${rest.toString().padStart(3, '0')}${zoned ? 'Z' : ''}`;
}

/** MySQL TIME as [-]H:MM:SS.ffffff, hours beyond 24 too. */
function duration(micros: bigint): string {
  const negative = micros < 0n;
  let m = negative ? -micros : micros;
  const frac = m % 1_000_000n;
  m /= 1_000_000n;
  const sec = m % 60n;
  m /= 60n;
  const min = m % 60n;
  const hours = m / 60n;
  const two = (n: bigint): string => n.toString().padStart(2, '0');
  return `${negative ? '-' : ''}${two(hours)}:${two(min)}:${two(sec)}.${frac.toString().padStart(6, '0')}`;
}

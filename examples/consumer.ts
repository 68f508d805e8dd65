/**
 * Reads one Tributary table topic with nothing but kafkajs and avsc, and prints each
 * change as a JSON line: {"op", "key", "before", "after"} ({"tombstone": true, "key"} for
 * the null-value marker after a delete). Exits 0 after <max messages>, 2 on the timeout.
 *
 *   node --import tsx examples/consumer.ts <brokers,...> <schemas topic> <data topic> <max messages> [timeout ms]
 */
import avro from 'avsc';
import { Kafka, logLevel } from 'kafkajs';

const [brokers, schemasTopic, dataTopic, maxArg, timeoutArg = '30000'] = process.argv.slice(2);
if (!brokers || !schemasTopic || !dataTopic || !maxArg) {
  console.error('usage: consumer.ts <brokers,...> <schemas topic> <data topic> <max messages> [timeout ms]');
  process.exit(64);
}
const max = Number(maxArg);

// avsc's own long refuses values beyond 2^53 (a DATETIME in year 9999 in microseconds,
// a large BIGINT), so every long, logical types included, is read as a bigint instead.
const bigintLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(0),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(n);
    return buf;
  },
  fromJSON: (json: string | number) => BigInt(json),
  toJSON: (n: bigint) => n.toString(),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});
const typeHook = (schema: avro.Schema) =>
  schema === 'long' || (schema as { type?: unknown }).type === 'long' ? bigintLong : undefined;

// The schemas topic: key = fingerprint as 16 hex digits, value = the schema's JSON.
const types = new Map<string, avro.Type>();

/** Decodes a frame: C3 01, the schema fingerprint (8 bytes, little-endian), the Avro body. */
async function decode(frame: Buffer): Promise<Record<string, unknown>> {
  if (frame[0] !== 0xc3 || frame[1] !== 0x01) throw new Error('not an Avro single-object frame');
  const fingerprint = frame.readBigUInt64LE(2).toString(16).padStart(16, '0');
  // A schema is published before its first message, but the other consumer may see it later.
  while (!types.has(fingerprint)) await new Promise((resolve) => setTimeout(resolve, 50));
  return types.get(fingerprint)!.fromBuffer(frame.subarray(10));
}

/** JSON has no 64-bit integers and no bytes: bigints become strings, bytes hex (a decimal is the hex of its unscaled value). */
function toJson(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return Buffer.isBuffer(raw) ? raw.toString('hex') : typeof value === 'bigint' ? value.toString() : value;
}

const kafka = new Kafka({ clientId: 'tributary-example', brokers: brokers.split(','), logLevel: logLevel.WARN });
const group = `tributary-example-${process.pid}-${Date.now()}`;
const schemas = kafka.consumer({ groupId: `${group}-schemas` });
const data = kafka.consumer({ groupId: group });
let printed = 0;

async function finish(code: number): Promise<void> {
  clearTimeout(timer);
  // disconnect() waits for a running eachMessage, which may be waiting for a schema.
  const wait = new Promise((resolve) => setTimeout(resolve, 3000));
  await Promise.race([Promise.allSettled([schemas.disconnect(), data.disconnect()]), wait]);
  process.stdout.write('', () => process.exit(code)); // once the printed lines are flushed
}
const timer = setTimeout(() => {
  console.error(`timed out after ${timeoutArg} ms with ${printed} of ${max} messages`);
  void finish(2);
}, Number(timeoutArg));

await Promise.all([schemas.connect(), data.connect()]);
await schemas.subscribe({ topic: schemasTopic, fromBeginning: true });
await data.subscribe({ topic: dataTopic, fromBeginning: true });
await schemas.run({
  autoCommit: false,
  eachMessage: async ({ message }) => {
    if (message.key && message.value) types.set(message.key.toString(), avro.Type.forSchema(JSON.parse(message.value.toString()), { typeHook }));
  },
});
await data.run({
  autoCommit: false,
  eachMessage: async ({ message }) => {
    if (printed >= max) return;
    const key = message.key ? await decode(message.key) : null;
    const change = message.value ? await decode(message.value) : null;
    const line = change ? { op: change.op, key, before: change.before, after: change.after } : { tombstone: true, key };
    console.log(JSON.stringify(line, toJson));
    if (++printed === max) void finish(0);
  },
});

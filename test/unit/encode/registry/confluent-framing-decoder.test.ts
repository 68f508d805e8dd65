import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { avroTypeFor } from '../../../../src/encode/avro-type-for.js';
import { MessageDecoder } from '../../../../src/encode/message-decoder.js';
import { ConfluentFramingDecoder } from '../../../../src/encode/registry/confluent-framing-decoder.js';
import { TributaryError } from '../../../../src/errors/tributary-error.js';

const SCHEMA = { type: 'record', name: 'Key', namespace: 'shop.db.t', fields: [{ name: 'id', type: 'long' }, { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } }] };

function frame(id: number, value: unknown): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(id, 1);
  return Buffer.concat([header, avroTypeFor(SCHEMA).toBuffer(value)]);
}

/** A registry that knows only id 7, counts fetches, and fails the first `failures` of them. */
function registry(failures = 0) {
  const calls: number[] = [];
  return {
    calls,
    url: 'http://registry.test/apis/ccompat/v7',
    schemaById: async (id: number): Promise<string> => {
      calls.push(id);
      if (calls.length <= failures) throw new TributaryError('registry down', { code: 'REGISTRY_UNAVAILABLE', retriable: true });
      if (id !== 7) throw new TributaryError(`schema id ${id} is not in the schema registry`, { code: 'REGISTRY_SCHEMA_MISSING' });
      return JSON.stringify(SCHEMA);
    },
  };
}

describe('ConfluentFramingDecoder', () => {
  it('decodes by the id in the frame, fetching each id once', async () => {
    const source = registry();
    const decoder = new MessageDecoder({ loadSchemas: async () => assert.fail('the schemas topic is not read for a Confluent frame'), framings: [new ConfluentFramingDecoder(source)] });
    const a = await decoder.decode(frame(7, { id: 9007199254740993n, price: Buffer.from([0x30, 0x39]) }));
    const b = await decoder.decode(frame(7, { id: -1n, price: Buffer.from([0xff]) }));
    assert.deepEqual([a.framing, a.schemaRef, a.schema], ['confluent', '7', SCHEMA]);
    assert.deepEqual({ ...(a.value as object) }, { id: 9007199254740993n, price: Buffer.from([0x30, 0x39]) });
    assert.deepEqual({ ...(b.value as object) }, { id: -1n, price: Buffer.from([0xff]) });
    assert.deepEqual(source.calls, [7]);
  });

  it('asks again after a failed fetch, and names an unknown id', async () => {
    const source = registry(1);
    const decoder = new ConfluentFramingDecoder(source);
    await assert.rejects(decoder.decode(frame(7, { id: 1n, price: Buffer.from([1]) })), /registry down/);
    assert.equal(((await decoder.decode(frame(7, { id: 1n, price: Buffer.from([1]) }))).value as { id: bigint }).id, 1n);
    await assert.rejects(decoder.decode(frame(8, { id: 1n, price: Buffer.from([1]) })), (err: TributaryError) => err.code === 'REGISTRY_SCHEMA_MISSING');
    assert.deepEqual(source.calls, [7, 7, 8]);
  });

  it('refuses a truncated body with the id and registry in the message', async () => {
    const decoder = new ConfluentFramingDecoder(registry());
    const cut = frame(7, { id: 1n, price: Buffer.from([1, 2, 3]) }).subarray(0, 7);
    await assert.rejects(decoder.decode(cut), (err: TributaryError) => err.code === 'ENCODE' && /schema id 7 from http:\/\/registry\.test/.test(err.message));
  });
});

describe('MessageDecoder without a Confluent framing', () => {
  it('names [registry] as the fix for a 00 frame', async () => {
    const decoder = new MessageDecoder({ loadSchemas: async () => undefined });
    await assert.rejects(decoder.decode(frame(42, { id: 1n, price: Buffer.from([1]) })), (err: TributaryError) => {
      assert.match(err.message, /Confluent wire format \(schema id 42\).*no \[registry\] is configured/);
      assert.match(err.fix ?? '', /add the \[registry\] section/);
      return true;
    });
  });
});

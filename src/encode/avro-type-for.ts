import avro from 'avsc';
import type { Schema, Type } from 'avsc';
import { bigintLongType } from './bigint-long-type.js';

/**
 * An avsc type for a schema in JSON form, with every `long` (also `{"type":"long",
 * "logicalType":...}`) backed by bigint. No logical-type implementations are given on
 * purpose: Tributary's values are already Avro physical values, so each logical type
 * encodes and decodes as its underlying type, while its attributes stay in the schema.
 * Unions of distinct kinds (all of Tributary's: `["null", T]`) stay unwrapped.
 */
export function avroTypeFor(schema: unknown): Type {
  return avro.Type.forSchema(schema as Schema, {
    registry: {},
    wrapUnions: 'auto',
    typeHook: (s) => (isLong(s) ? bigintLongType : undefined),
  });
}

function isLong(schema: unknown): boolean {
  return schema === 'long' || (typeof schema === 'object' && schema !== null && (schema as { type?: unknown }).type === 'long');
}

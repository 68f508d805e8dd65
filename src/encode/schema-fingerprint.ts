import { legacyCanonicalForm, parsingCanonicalForm } from './canonical-form.js';
import { rabinFingerprint64 } from './rabin-fingerprint.js';

/**
 * The standard Avro fingerprint of a schema, which Tributary's frames and schemas topic
 * carry: CRC-64-AVRO over the UTF-8 bytes of its Parsing Canonical Form, the value of
 * Java's `SchemaNormalization.parsingFingerprint64` (docs/schema-fingerprints.md).
 */
export function schemaFingerprint(schema: unknown): bigint {
  return rabinFingerprint64(Buffer.from(parsingCanonicalForm(schema), 'utf8'));
}

/** The fingerprint Tributary 0.1 gave a schema (see `legacyCanonicalForm`); only for reading old topics. */
export function legacySchemaFingerprint(schema: unknown): bigint {
  return rabinFingerprint64(Buffer.from(legacyCanonicalForm(schema), 'utf8'));
}

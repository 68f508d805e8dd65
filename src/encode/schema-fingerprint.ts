import { tributaryCanonicalForm } from './canonical-form.js';
import { rabinFingerprint64 } from './rabin-fingerprint.js';

/**
 * The fingerprint that identifies a schema in Tributary's frames and schemas topic:
 * CRC-64-AVRO over the UTF-8 bytes of the Tributary canonical form (see
 * `tributaryCanonicalForm`; docs/schema-fingerprints.md).
 */
export function schemaFingerprint(schema: unknown): bigint {
  return rabinFingerprint64(Buffer.from(tributaryCanonicalForm(schema), 'utf8'));
}

import { createHash } from 'node:crypto';

/**
 * The generation tag of a schema: `v` and the first 16 hex digits of the SHA-256 of its
 * full JSON, object keys sorted at every level (arrays keep their order), so attribute
 * order never matters and every attribute does: `logicalType`, `precision`, `scale`,
 * `connect.*`, `default`, `doc`, `mysql_name`. Put into a record's namespace, it makes two
 * schemas that differ only in attributes the Parsing Canonical Form drops differ in their
 * canonical form, and so in their standard fingerprint (docs/schema-fingerprints.md).
 * Deterministic: the same table version gets the same tag after a restart.
 */
export function schemaGeneration(schema: unknown): string {
  return `v${createHash('sha256').update(sortedJson(schema)).digest('hex').slice(0, 16)}`;
}

function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

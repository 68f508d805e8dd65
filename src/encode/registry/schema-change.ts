import { recordFullName } from './subject-name.js';

type Json = Record<string, unknown>;
interface FieldInfo {
  type: string;
  hasDefault: boolean;
}

/**
 * What changed between two versions of a schema, in words a user acts on: fields added
 * (with or without a default), removed, or given another type, per record. It explains a
 * registry's refusal; the registry itself decides compatibility.
 */
export function describeSchemaChange(previous: string, next: Json, max = 6): string[] {
  let old: unknown;
  try {
    old = JSON.parse(previous);
  } catch {
    return [];
  }
  const before = records(old);
  const after = records(next);
  const changes: string[] = [];
  for (const [name, fields] of after) {
    const was = before.get(name);
    if (!was) continue;
    const short = name.slice(name.lastIndexOf('.') + 1);
    for (const [field, info] of fields) {
      const prior = was.get(field);
      if (!prior) changes.push(`field ${short}.${field} added${info.hasDefault ? '' : ' without a default'} (${info.type})`);
      else if (prior.type !== info.type) changes.push(`field ${short}.${field} changed type from ${prior.type} to ${info.type}`);
    }
    for (const [field, info] of was) {
      if (!fields.has(field)) changes.push(`field ${short}.${field} removed${info.hasDefault ? '' : ' (it had no default)'}`);
    }
  }
  return changes.slice(0, max);
}

/** Every named record in a schema, by full name, with its fields' types. */
function records(schema: unknown, namespace = '', out = new Map<string, Map<string, FieldInfo>>()): Map<string, Map<string, FieldInfo>> {
  if (Array.isArray(schema)) {
    for (const s of schema) records(s, namespace, out);
    return out;
  }
  if (typeof schema !== 'object' || schema === null) return out;
  const s = schema as Json;
  if (s.type === 'record' && Array.isArray(s.fields)) {
    const ns = typeof s.namespace === 'string' ? s.namespace : namespace;
    const name = recordFullName({ ...s, namespace: ns });
    const fields = new Map<string, FieldInfo>();
    out.set(name, fields);
    for (const f of s.fields as Json[]) {
      fields.set(String(f.name), { type: typeText(f.type), hasDefault: 'default' in f });
      records(f.type, ns, out);
    }
  } else if (typeof s.type === 'object') {
    records(s.type, namespace, out);
  }
  return out;
}

/** A short spelling of a field type: `["null","long"]` as `null|long`, records by name. */
function typeText(type: unknown): string {
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.map(typeText).join('|');
  if (typeof type === 'object' && type !== null) {
    const t = type as Json;
    if (typeof t.name === 'string') return t.name;
    const logical = typeof t.logicalType === 'string' ? `${t.logicalType} ` : '';
    const params = t.logicalType === 'decimal' ? `(${String(t.precision)},${String(t.scale ?? 0)})` : '';
    return `${logical}${typeText(t.type)}${params}`;
  }
  return String(type);
}

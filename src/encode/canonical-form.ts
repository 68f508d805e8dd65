import { TributaryError } from '../errors/tributary-error.js';

/**
 * The Parsing Canonical Form (PCF) of an Avro schema, exactly as the Avro specification
 * defines it ("Parsing Canonical Form for Schemas"): primitives in their simple form, full
 * names everywhere, only the attributes `name type fields symbols items values size` in
 * that order, a named type written out once and referred to by full name afterwards,
 * integers unquoted, no whitespace outside strings. Its CRC-64-AVRO is the standard
 * fingerprint (Java's `SchemaNormalization.parsingFingerprint64`).
 *
 * PCF drops `logicalType`, `precision`, `scale`, `connect.*`, `doc` and `default`;
 * Tributary keeps two schemas that differ only there apart by their names instead (see
 * `withGenerationNamespace`, docs/schema-fingerprints.md).
 */
export function parsingCanonicalForm(schema: unknown): string {
  return new CanonicalWriter(false).write(schema, '');
}

/**
 * The form Tributary 0.1 fingerprinted: PCF plus `logicalType`, `precision` and `scale`
 * after the PCF attributes of any object with a string `logicalType` (such a primitive kept
 * its object form). Only for reading schemas-topic records written before the standard
 * fingerprint, so messages already in a topic still decode.
 */
export function legacyCanonicalForm(schema: unknown): string {
  return new CanonicalWriter(true).write(schema, '');
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

type SchemaObject = Record<string, unknown>;

class CanonicalWriter {
  /** Full names already written out; PCF refers to them by name from then on. */
  private readonly defined = new Set<string>();

  constructor(private readonly keepLogical: boolean) {}

  write(schema: unknown, namespace: string): string {
    if (typeof schema === 'string') {
      return JSON.stringify(PRIMITIVES.has(schema) ? schema : fullName(schema, namespace));
    }
    if (Array.isArray(schema)) {
      return `[${schema.map((branch) => this.write(branch, namespace)).join(',')}]`;
    }
    if (schema === null || typeof schema !== 'object') {
      throw invalid(`expected a type name, a union or a schema object, got ${JSON.stringify(schema)}`);
    }
    return this.writeObject(schema as SchemaObject, namespace);
  }

  private writeObject(schema: SchemaObject, namespace: string): string {
    const type = schema.type;
    if (typeof type !== 'string') {
      // `{"type": {...}}` or `{"type": [...]}`: the wrapper adds nothing.
      return this.write(type, namespace);
    }
    const logical = this.keepLogical ? logicalAttributes(schema) : '';
    if (PRIMITIVES.has(type)) {
      return logical === '' ? JSON.stringify(type) : `{"type":${JSON.stringify(type)}${logical}}`;
    }
    switch (type) {
      case 'record':
      case 'error':
      case 'enum':
      case 'fixed':
        return this.writeNamed(schema, type, namespace, logical);
      case 'array':
        return `{"type":"array","items":${this.write(schema.items, namespace)}${logical}}`;
      case 'map':
        return `{"type":"map","values":${this.write(schema.values, namespace)}${logical}}`;
      default:
        // `{"type": "some.Name"}` refers to a named type.
        return this.write(type, namespace);
    }
  }

  private writeNamed(schema: SchemaObject, type: string, namespace: string, logical: string): string {
    if (typeof schema.name !== 'string') throw invalid(`a ${type} schema has no name`);
    const ownNamespace = typeof schema.namespace === 'string' ? schema.namespace : namespace;
    const name = fullName(schema.name, ownNamespace);
    if (this.defined.has(name)) return JSON.stringify(name);
    this.defined.add(name);
    const inner = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : '';
    let out = `{"name":${JSON.stringify(name)},"type":${JSON.stringify(type)}`;
    if (type === 'enum') {
      if (!Array.isArray(schema.symbols)) throw invalid(`enum ${name} has no symbols`);
      out += `,"symbols":${JSON.stringify(schema.symbols.map(String))}`;
    } else if (type === 'fixed') {
      out += `,"size":${integer(schema.size, `size of ${name}`)}`;
    } else {
      if (!Array.isArray(schema.fields)) throw invalid(`record ${name} has no fields`);
      const fields = schema.fields.map((field: unknown) => {
        const f = field as SchemaObject | null;
        if (f === null || typeof f !== 'object' || typeof f.name !== 'string') {
          throw invalid(`record ${name} has a field without a name`);
        }
        return `{"name":${JSON.stringify(f.name)},"type":${this.write(f.type, inner)}}`;
      });
      out += `,"fields":[${fields.join(',')}]`;
    }
    return `${out}${logical}}`;
  }
}

/** `,"logicalType":...,"precision":...,"scale":...` or '' when there is no logical type. */
function logicalAttributes(schema: SchemaObject): string {
  if (typeof schema.logicalType !== 'string') return '';
  let out = `,"logicalType":${JSON.stringify(schema.logicalType)}`;
  if (schema.precision !== undefined) out += `,"precision":${integer(schema.precision, 'precision')}`;
  if (schema.scale !== undefined) out += `,"scale":${integer(schema.scale, 'scale')}`;
  return out;
}

function fullName(name: string, namespace: string): string {
  return name.includes('.') || namespace === '' ? name : `${namespace}.${name}`;
}

/** PCF [INTEGERS]: unquoted, no leading zeros. */
function integer(value: unknown, what: string): string {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw invalid(`${what} must be an integer, got ${JSON.stringify(value)}`);
  }
  return String(n);
}

function invalid(detail: string): TributaryError {
  return new TributaryError(`invalid Avro schema: ${detail}`, {
    code: 'ENCODE',
    fix: 'the schema is generated by Tributary or read from the schemas topic; report this schema as a bug',
  });
}

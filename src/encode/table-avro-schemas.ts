import type { AvroType, ColumnSpec, TableSchema } from '../model/table-schema.js';
import { TributaryError } from '../errors/tributary-error.js';
import { toAvroFieldNames, toAvroNamespace } from './avro-name.js';
import { schemaGeneration } from './schema-generation.js';
import type { SharedSchemas } from './shared-schemas.js';

type SchemaObject = Record<string, unknown>;

/** The Avro schemas of one table version, in JSON form, as published. */
export interface TableAvroSchemas {
  /** `<namespace base>.<db>.<table>`, every part a valid Avro name. */
  namespace: string;
  /**
   * Record `<namespace>.<generation>.Key` of the primary-key columns; null for a table
   * without one. `<generation>` is the key schema's own `schemaGeneration`.
   */
  key: SchemaObject | null;
  /**
   * Record `<namespace>.<generation>.Envelope`, with the row record `Value` inside in the
   * same namespace; `<generation>` is the envelope's own `schemaGeneration`.
   */
  value: SchemaObject;
  /** The Avro field name of each column, in column order. */
  fieldNames: readonly string[];
}

/**
 * Builds the key and envelope schemas of a table version. Column names that are not
 * valid Avro names are sanitized (see `toAvroFieldNames`), and such a field keeps the
 * MySQL spelling in a `mysql_name` attribute. Nullable columns become `["null", T]`
 * with default null.
 *
 * Each schema's namespace ends in its generation tag, computed over the schema without
 * it: the Parsing Canonical Form (and so the standard fingerprint) drops logical types,
 * so without the tag a DECIMAL(10,2) and a DECIMAL(12,4) version of a table would share
 * a fingerprint. Key and envelope are tagged separately, so an ALTER that leaves the
 * key columns alone leaves the key bytes alone (compacted topics still match keys).
 */
export function buildTableAvroSchemas(
  table: TableSchema,
  namespaceBase: string,
  shared: SharedSchemas,
  /**
   * Off in registry mode: there the registry's ids tell versions apart, and a record name
   * stable across versions is what the record-name subject strategies and the registry's
   * compatibility checks need.
   */
  generationTags = true,
): TableAvroSchemas {
  const namespace = toAvroNamespace([namespaceBase, table.db, table.table]);
  const fieldNames = toAvroFieldNames(table.columns.map((c) => c.name));
  const valueNames = new Set<string>();
  const fields = table.columns.map((column, i) => field(column, fieldNames[i]!, valueNames));

  let key: SchemaObject | null = null;
  if (table.primaryKey.length > 0) {
    const keyNames = new Set<string>();
    const keyFields = table.primaryKey.map((name) => {
      const index = table.columns.findIndex((c) => c.name === name);
      if (index < 0) {
        throw new TributaryError(`primary-key column ${name} of ${table.db}.${table.table} is not among its columns`, {
          code: 'ENCODE',
          fix: 'the table schema given to the encoder is inconsistent; report it as a bug with the table DDL',
        });
      }
      return field(table.columns[index]!, fieldNames[index]!, keyNames);
    });
    const build = (ns: string): SchemaObject => ({ type: 'record', name: 'Key', namespace: ns, fields: keyFields });
    key = generationTags ? tagged(build, namespace) : build(namespace);
  }

  const value = generationTags ? tagged((ns) => envelope(ns, fields, shared), namespace) : envelope(namespace, fields, shared);
  return { namespace, key, value, fieldNames };
}

function tagged(build: (namespace: string) => SchemaObject, namespace: string): SchemaObject {
  return build(`${namespace}.${schemaGeneration(build(namespace))}`);
}

function envelope(namespace: string, fields: SchemaObject[], shared: SharedSchemas): SchemaObject {
  const row = { type: 'record', name: 'Value', namespace, fields };
  return {
    type: 'record',
    name: 'Envelope',
    namespace,
    fields: [
      { name: 'before', type: ['null', row], default: null },
      { name: 'after', type: ['null', 'Value'], default: null },
      { name: 'source', type: shared.source },
      { name: 'op', type: 'string' },
      { name: 'ts_ms', type: ['null', 'long'], default: null },
      { name: 'ts_us', type: ['null', 'long'], default: null },
      { name: 'ts_ns', type: ['null', 'long'], default: null },
      { name: 'transaction', type: ['null', shared.transaction], default: null },
    ],
  };
}

/**
 * `defined` holds the full names of the named types (Debezium's geometry records) already
 * defined in this schema: Avro allows one definition per name, so a later column of the
 * same type refers to it by its full name.
 */
function field(column: ColumnSpec, avroName: string, defined: Set<string>): SchemaObject {
  const type = definedOnce(column.avro, defined);
  const out: SchemaObject = column.nullable ? { name: avroName, type: ['null', type], default: null } : { name: avroName, type };
  if (avroName !== column.name) out.mysql_name = column.name;
  return out;
}

function definedOnce(avro: AvroType, defined: Set<string>): AvroType {
  if (typeof avro === 'string' || typeof avro['name'] !== 'string') return avro;
  const name = typeof avro['namespace'] === 'string' ? `${avro['namespace']}.${avro['name']}` : avro['name'];
  if (defined.has(name)) return name;
  defined.add(name);
  return avro;
}

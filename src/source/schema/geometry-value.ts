import type { AvroType } from '../../model/table-schema.js';

/**
 * Spatial columns as Debezium's MySQL connector publishes them: Connect structs, which
 * Connect's AvroData writes as named Avro records. POINT is `io.debezium.data.geometry.Point`
 * (x, y, and the same wkb and srid), every other spatial type `...Geometry`. Debezium 3.7
 * adds an optional `extensions` map to Geometry (version 2) for PostgreSQL's native types;
 * the released sinks (JDBC sink 3.5) read version 1, the shape here.
 */
const SRID: Record<string, unknown> = { name: 'srid', type: ['null', 'int'], default: null };

const GEOMETRY_RECORD: AvroType = Object.freeze({
  type: 'record',
  name: 'Geometry',
  namespace: 'io.debezium.data.geometry',
  fields: [{ name: 'wkb', type: 'bytes' }, SRID],
  'connect.doc': 'Geometry',
  'connect.version': 1,
  'connect.name': 'io.debezium.data.geometry.Geometry',
});

const POINT_RECORD: AvroType = Object.freeze({
  type: 'record',
  name: 'Point',
  namespace: 'io.debezium.data.geometry',
  fields: [{ name: 'x', type: 'double' }, { name: 'y', type: 'double' }, { name: 'wkb', type: ['null', 'bytes'], default: null }, SRID],
  'connect.doc': 'Geometry (POINT)',
  'connect.version': 1,
  'connect.name': 'io.debezium.data.geometry.Point',
});

/** The Avro record of a spatial column; `dataType` is MySQL's DATA_TYPE (`point`, `polygon`...). */
export function geometryAvroType(dataType: string): AvroType {
  return dataType === 'point' ? POINT_RECORD : GEOMETRY_RECORD;
}

export interface GeometryValue {
  wkb: Buffer;
  /** Null for SRID 0, as Debezium publishes it ("unset/unknown"). */
  srid: number | null;
}

export interface PointValue extends GeometryValue {
  x: number;
  y: number;
}

/** A 2D WKB point: byte order, type 1, x, y. */
const WKB_POINT_BYTES = 21;

/**
 * Splits MySQL's internal geometry value (a 4-byte little-endian SRID, then the WKB, from
 * the binlog and from a SELECT alike) into the published record. The WKB is a view of
 * `internal`, in the stored axis order. Returns null when `internal` is too short to be one.
 */
export function geometryValue(internal: Buffer): GeometryValue | null {
  if (internal.length < 5) return null;
  // MySQL's SRIDs are unsigned 32-bit; Avro's int is signed, so one above 2^31 - 1 comes out
  // negative, as in Debezium (which reads them with Java's signed getInt).
  const srid = internal.readInt32LE(0);
  return { wkb: internal.subarray(4), srid: srid === 0 ? null : srid };
}

/** As geometryValue, plus x and y; null when the WKB is no 2D point. */
export function pointValue(internal: Buffer): PointValue | null {
  const g = geometryValue(internal);
  if (g === null || g.wkb.length !== WKB_POINT_BYTES) return null;
  const little = g.wkb[0] === 1;
  const type = little ? g.wkb.readUInt32LE(1) : g.wkb.readUInt32BE(1);
  if (type !== 1) return null;
  const x = little ? g.wkb.readDoubleLE(5) : g.wkb.readDoubleBE(5);
  const y = little ? g.wkb.readDoubleLE(13) : g.wkb.readDoubleBE(13);
  return { x, y, wkb: g.wkb, srid: g.srid };
}

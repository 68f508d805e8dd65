/** One field of a published row record, as it appears in the schema JSON. */
export interface RowField {
  name: string;
  type: unknown;
  default?: unknown;
  mysql_name?: string;
}

/**
 * The fields of the row record (`<namespace>.Value`) inside a published Envelope schema:
 * the record is defined in the `before` field's union and referenced by name in `after`.
 */
export function rowValueFields(envelopeSchemaJson: string): RowField[] {
  const envelope = JSON.parse(envelopeSchemaJson) as { name: string; fields: { name: string; type: unknown }[] };
  if (envelope.name !== 'Envelope') throw new Error(`not an Envelope schema: ${envelope.name}`);
  const before = envelope.fields.find((f) => f.name === 'before');
  const union = before?.type;
  const record = Array.isArray(union) ? (union[1] as { name?: string; fields?: RowField[] }) : undefined;
  if (!record || record.name !== 'Value' || !record.fields) throw new Error('the Envelope has no Value record in its before field');
  return record.fields;
}

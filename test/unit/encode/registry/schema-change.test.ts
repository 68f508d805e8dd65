import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeSchemaChange } from '../../../../src/encode/registry/schema-change.js';

const envelope = (fields: unknown[]) => ({
  type: 'record',
  name: 'Envelope',
  namespace: 'p.db.t',
  fields: [
    { name: 'before', type: ['null', { type: 'record', name: 'Value', fields }], default: null },
    { name: 'after', type: ['null', 'Value'], default: null },
  ],
});

describe('describeSchemaChange', () => {
  it('names fields added without a default, removed, and retyped, in the nested row record', () => {
    const old = envelope([
      { name: 'id', type: 'int' },
      { name: 'gone', type: 'string' },
      { name: 'n', type: 'int' },
    ]);
    const next = envelope([
      { name: 'id', type: 'int' },
      { name: 'n', type: 'long' },
      { name: 'w', type: 'int' },
      { name: 'note', type: ['null', 'string'], default: null },
      { name: 'd', type: { type: 'bytes', logicalType: 'decimal', precision: 8, scale: 2 } },
    ]);
    assert.deepEqual(describeSchemaChange(JSON.stringify(old), next), [
      'field Value.n changed type from int to long',
      'field Value.w added without a default (int)',
      'field Value.note added (null|string)',
      'field Value.d added without a default (decimal bytes(8,2))',
      'field Value.gone removed (it had no default)',
    ]);
  });

  it('says nothing it cannot read', () => {
    assert.deepEqual(describeSchemaChange('not json', envelope([])), []);
  });
});

import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { createCheckpointStore } from '../../../src/checkpoint/create-checkpoint-store.js';
import { FileCheckpointStore } from '../../../src/checkpoint/file-checkpoint-store.js';
import { KafkaCheckpointStore } from '../../../src/checkpoint/kafka-checkpoint-store.js';
import { MysqlCheckpointStore } from '../../../src/checkpoint/mysql-checkpoint-store.js';
import { parseConfig } from '../../../src/config/parse-config.js';

const config = (checkpoint: string) =>
  parseConfig(
    `name = "shop"\n[source]\nuser = "u"\nserver_id = 1\n[kafka]\nbrokers = ["127.0.0.1:1"]\n[checkpoint]\n${checkpoint}\n`,
    undefined,
    {},
  );

// Constructing a store opens no connection, so these need no servers.
describe('createCheckpointStore', () => {
  it('builds the store checkpoint.store names', async () => {
    const kafka = createCheckpointStore(config('store = "kafka"'));
    const mysql = createCheckpointStore(config('store = "mysql"'));
    const file = createCheckpointStore(config('store = "file"'));
    try {
      assert.ok(kafka instanceof KafkaCheckpointStore);
      assert.ok(mysql instanceof MysqlCheckpointStore);
      assert.ok(file instanceof FileCheckpointStore);
    } finally {
      await Promise.all([kafka.close(), mysql.close(), file.close()]);
    }
  });

  it('puts the file store at checkpoint.path, by default under ./.tributary named after the pipeline', async () => {
    const byDefault = createCheckpointStore(config('store = "file"'));
    const explicit = createCheckpointStore(config('store = "file"\npath = "/var/lib/tributary/x.json"'));
    try {
      assert.equal((byDefault as FileCheckpointStore).path, resolve('.tributary/shop.checkpoint.json'));
      assert.equal((explicit as FileCheckpointStore).path, '/var/lib/tributary/x.json');
    } finally {
      await Promise.all([byDefault.close(), explicit.close()]);
    }
  });
});

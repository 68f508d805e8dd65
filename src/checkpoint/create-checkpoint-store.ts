import type { Kafka } from 'kafkajs';
import type { PipelineConfig } from '../config/pipeline-config.js';
import type { CheckpointStore } from './checkpoint.js';
import { FileCheckpointStore } from './file-checkpoint-store.js';
import { KafkaCheckpointStore } from './kafka-checkpoint-store.js';
import { MysqlCheckpointStore } from './mysql-checkpoint-store.js';

export interface CheckpointStoreDeps {
  /** The pipeline's kafkajs client, shared so the store opens no extra client; without it the store owns one. */
  kafka?: Kafka;
}

/** The store `checkpoint.store` names, scoped to the pipeline `name`. */
export function createCheckpointStore(config: PipelineConfig, deps: CheckpointStoreDeps = {}): CheckpointStore {
  const { checkpoint } = config;
  switch (checkpoint.store) {
    case 'file':
      return new FileCheckpointStore(checkpoint.path, { pipeline: config.name });
    case 'mysql':
      return new MysqlCheckpointStore(
        {
          host: config.source.host,
          port: config.source.port,
          user: config.source.user,
          password: config.source.password,
          connectTimeoutMs: config.source.connect_timeout_ms,
        },
        config.name,
      );
    case 'kafka':
      return new KafkaCheckpointStore({
        kafka: deps.kafka ?? config.kafka.brokers,
        topic: checkpoint.topic,
        pipeline: config.name,
        clientId: `${config.kafka.client_id}-checkpoint`,
      });
  }
}

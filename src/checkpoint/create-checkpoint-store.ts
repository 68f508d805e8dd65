import type { Kafka } from 'kafkajs';
import type { PipelineConfig } from '../config/pipeline-config.js';
import type { CheckpointStore } from './checkpoint.js';
import { FileCheckpointStore } from './file-checkpoint-store.js';
import { KafkaCheckpointStore } from './kafka-checkpoint-store.js';
import { MysqlCheckpointStore } from './mysql-checkpoint-store.js';
import { kafkaClient } from '../sink/kafka-client.js';
import { sourceEndpoint } from '../source/source-endpoint.js';

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
      return new MysqlCheckpointStore(sourceEndpoint(config), config.name);
    case 'kafka':
      return new KafkaCheckpointStore({
        kafka: deps.kafka ?? kafkaClient(config.kafka, { clientId: `${config.kafka.client_id}-checkpoint` }),
        topic: checkpoint.topic,
        pipeline: config.name,
      });
  }
}

export type { Checkpoint, CheckpointStore } from './checkpoint.js';
export { DamagedCheckpointError } from './damaged-checkpoint-error.js';
export { createCheckpointStore, type CheckpointStoreDeps } from './create-checkpoint-store.js';
export { FileCheckpointStore, type FileCheckpointStoreOptions } from './file-checkpoint-store.js';
export { KafkaCheckpointStore, type KafkaCheckpointStoreOptions } from './kafka-checkpoint-store.js';
export { MysqlCheckpointStore } from './mysql-checkpoint-store.js';

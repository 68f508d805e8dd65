import type { Kafka } from 'kafkajs';
import type { PipelineConfig } from './config/pipeline-config.js';
import type { Logger } from './logger.js';
import { Pipeline } from './pipeline.js';
import { TableFilter } from './route/table-filter.js';
import { TopicRouter } from './route/topic-router.js';
import { EnvelopeEncoder } from './encode/envelope-encoder.js';
import { KafkaSink, type TransactionalOptions } from './sink/kafka-sink.js';
import { KafkaCheckpointStore } from './checkpoint/kafka-checkpoint-store.js';
import type { Checkpoint, CheckpointStore } from './checkpoint/checkpoint.js';
import { ensureCompactedTopic, readTopicToEnd } from './sink/compacted-topic.js';
import { TruncateDeletes } from './truncate-deletes.js';
import { RecordSizeGuard } from './sink/record-size-guard.js';
import { RecordSizeLimit } from './sink/record-size-limit.js';
import { kafkaError } from './sink/kafka-error.js';
import { kafkaClient } from './sink/kafka-client.js';
import { createCheckpointStore } from './checkpoint/create-checkpoint-store.js';
import { BinlogTailer } from './source/binlog/binlog-tailer.js';
import { checkServer, type ServerInfo } from './source/binlog/server-check.js';
import { claimServerId, type ServerIdClaim } from './source/binlog/server-id-claim.js';
import { sourceEndpoint } from './source/source-endpoint.js';
import { TableSchemaCache } from './source/schema/table-schema-cache.js';
import { ZONGJI_ROW_OPTIONS } from './source/schema/zongji-row-options.js';
import type { TableResolver, RowsEventLike } from './source/binlog/transaction-assembler.js';
import type { TableMapEvent } from '@vlasky/zongji';
import { TRIBUTARY_VERSION } from './version.js';
import { ChunkReader } from './source/snapshot/chunk-reader.js';
import { ControlTables } from './source/snapshot/control-tables.js';
import { IncrementalSnapshot } from './source/snapshot/incremental-snapshot.js';
import { GtidSetReader } from './source/snapshot/gtid-set-reader.js';
import { GtidWatermarks } from './source/snapshot/gtid-watermarks.js';
import { GtidWindows } from './source/snapshot/gtid-windows.js';
import { SignalTopic } from './source/snapshot/signal-topic.js';
import { TributaryError } from './errors/tributary-error.js';
import { readCurrentPosition } from './source/binlog/current-position.js';
import { OutageLog } from './observe/outage-log.js';
import { createRegistryFraming } from './encode/registry/create-registry-framing.js';
import { SchemaChangeEncoder } from './encode/schema-change-encoder.js';
import { SchemaChangeDefinitions } from './schema-change-definitions.js';
import { TableDefinitionReader } from './source/schema/table-definition-reader.js';
import { ColumnPolicy } from './route/column-policy.js';
import { PipelineMetrics } from './observe/pipeline-metrics.js';
import { HeartbeatEncoder } from './encode/heartbeat-encoder.js';
import { HeartbeatQuery } from './source/heartbeat-query.js';

/** Builds every stage of a pipeline from its config; `Pipeline` wires them. */
export async function buildPipeline(config: PipelineConfig, logger: Logger): Promise<Pipeline> {
  const endpoint = sourceEndpoint(config);
  const kafka = pipelineKafka(config, logger);
  const filter = new TableFilter(config.source.include, config.source.exclude);
  const columns = config.columns.length > 0 ? new ColumnPolicy(config.columns) : null;
  const reader = new ChunkReader(endpoint, { warn: (msg) => logger.warn(msg), columns });
  const control = new ControlTables(endpoint);
  // snapshot.watermarks = "gtid": the snapshot writes nothing to the source.
  const gtidSets = config.snapshot.watermarks === 'gtid' ? new GtidSetReader(endpoint) : null;
  const signalTopic = config.snapshot.signal_topic;
  let server: ServerInfo | null = null;
  const outages = new OutageLog(logger.child('outage'));
  const router = new TopicRouter(config.kafka.topic_prefix, config.routes);
  const store = createCheckpointStore(config, { kafka });
  const registry = config.registry
    ? createRegistryFraming(config.registry, { topicFor: (db, table) => router.topicFor(db, table), outages, logger: logger.child('registry') })
    : null;
  const encoder = new EnvelopeEncoder({
    connectorName: config.name,
    namespace: config.kafka.topic_prefix,
    version: TRIBUTARY_VERSION,
    ...(registry ? { registry: registry.framing } : {}),
  });
  let claim: ServerIdClaim | null = null;
  const schemaChangesTopic = config.kafka.schema_changes_topic;
  const definitionReader = schemaChangesTopic ? new TableDefinitionReader(endpoint, columns) : null;
  const metrics = new PipelineMetrics(config.name);
  const hb = config.heartbeat;
  const heartbeatQuery = hb.interval_ms > 0 && hb.action_query ? new HeartbeatQuery(endpoint, hb.action_query) : null;
  return new Pipeline({
    name: config.name,
    logger,
    store,
    exactlyOnce: config.kafka.delivery === 'exactly_once',
    metrics,
    heartbeat:
      hb.interval_ms > 0
        ? {
            intervalMs: hb.interval_ms,
            topic: hb.topic,
            encoder: new HeartbeatEncoder(config.kafka.topic_prefix),
            ...(heartbeatQuery ? { action: () => heartbeatQuery.run() } : {}),
            retryMaxMs: config.source.retry_max_ms,
          }
        : undefined,
    sink: new KafkaSink({
      observer: metrics,
      kafka,
      logger: logger.child('sink'),
      maxInFlightMessages: config.kafka.max_in_flight_messages,
      maxInFlightBytes: config.kafka.max_in_flight_bytes,
      batchMaxMessages: config.kafka.batch_max_messages,
      maxMessageBytes: config.kafka.max_message_bytes,
      retryMaxMs: config.kafka.retry_max_ms,
      compression: config.kafka.compression,
      outages,
      ...(config.kafka.delivery === 'exactly_once' ? { transactional: transactional(config, store) } : {}),
    }),
    encoder,
    sizeGuard: new RecordSizeGuard({
      limit: new RecordSizeLimit(config.kafka.max_message_bytes, config.kafka.compression),
      policy: config.kafka.oversized,
      skippedTopic: config.kafka.skipped_topic,
      pipeline: config.name,
      encoder,
      logger,
    }),
    router,
    schemasTopic: config.kafka.schemas_topic,
    tombstones: config.kafka.tombstones,
    checkpointIntervalMs: config.checkpoint.interval_ms,
    checkpointRetryMaxMs: config.checkpoint.retry_max_ms,
    outages,
    currentPosition: () => {
      const s = server;
      if (!s) throw new Error('currentPosition() before preflight()');
      return outages.retry('MySQL', () => readCurrentPosition(endpoint, s), { maxMs: config.source.retry_max_ms });
    },
    // Servers restart: unreachable ones are retried, each for its own retry_max_ms.
    preflight: async () => {
      server = await outages.retry('MySQL', () => checkServer(endpoint), { maxMs: config.source.retry_max_ms });
      logger.info(`source is ${server.flavor} ${server.version} (server_id ${server.serverId}); ${server.positions}`);
      const s = server;
      checkWritable(config, s);
      claim ??= await outages.retry('MySQL', () => claimServerId(endpoint, s, { serverId: config.source.server_id, pipeline: config.name }, (msg) => logger.warn(msg)), { maxMs: config.source.retry_max_ms });
      for (const warning of filter.warnings(await outages.retry('MySQL', () => reader.listBaseTables(), { maxMs: config.source.retry_max_ms }))) logger.warn(warning);
      await outages.retry('Kafka', () => prepareSchemasTopic(kafka, config.kafka.schemas_topic), { maxMs: config.kafka.retry_max_ms });
      // Found out before the binlog opens: a registry that is down is waited for, wrong credentials stop here.
      if (registry && config.registry) {
        const client = registry.client;
        await outages.retry('schema registry', () => client.check(), { maxMs: config.registry.retry_max_ms });
        logger.info(`schema registry at ${client.url} (subjects: ${config.registry.subject_strategy} strategy)`);
      }
    },
    truncateDeletes:
      config.kafka.truncate_handling === 'deletes'
        ? (hooks) =>
            new TruncateDeletes(
              {
                readTopic: (topic, onRecord) => readWholeTopic(kafka, topic, onRecord),
                schemasTopic: config.kafka.schemas_topic,
                topicFor: (db, table) => router.topicFor(db, table),
                tombstones: config.kafka.tombstones,
                logger: logger.child('truncate'),
              },
              hooks,
            )
        : undefined,
    schemaChanges: definitionReader
      ? {
          topic: schemaChangesTopic,
          encoder: new SchemaChangeEncoder({
            connectorName: config.name,
            version: TRIBUTARY_VERSION,
            registry: registry ? { registration: registry.framing, topic: schemaChangesTopic } : undefined,
          }),
          definitions: (hooks) =>
            new SchemaChangeDefinitions(
              (db, table) => outages.retry('MySQL', () => definitionReader.read(db, table), { maxMs: config.source.retry_max_ms }),
              hooks,
            ),
        }
      : undefined,
    release: async () => {
      await claim?.close();
      claim = null;
      registry?.framing.close();
      await definitionReader?.close();
      await heartbeatQuery?.close();
    },
    snapshot: {
      mode: config.snapshot.mode,
      prepare: () =>
        gtidSets
          ? outages.retry('MySQL', async () => void (await gtidSets.read()), { maxMs: config.source.retry_max_ms })
          : outages.retry('MySQL', () => control.prepare(), { maxMs: config.source.retry_max_ms }),
      close: async () => {
        await reader.close();
        await control.close();
        await gtidSets?.close();
      },
      listTables: async () =>
        (await outages.retry('MySQL', () => reader.listTables(filter), { maxMs: config.source.retry_max_ms })).map((t) => `${t.db}.${t.table}`),
      open: (progress, onError) =>
        new IncrementalSnapshot({
          pipeline: config.name,
          reader,
          watermarks: gtidSets ? (windows) => new GtidWatermarks(() => gtidSets.read(), new GtidWindows(windows)) : () => control,
          ...(signalTopic ? { signals: new SignalTopic({ kafka, topic: signalTopic, pipeline: config.name, logger: logger.child('signals') }) } : {}),
          logger,
          chunkSize: config.snapshot.chunk_size,
          chunkMaxBytes: config.snapshot.chunk_max_bytes,
          parallelism: config.snapshot.parallelism,
          maxUnkeyedRows: config.snapshot.max_unkeyed_rows,
          retryMaxMs: config.source.retry_max_ms,
          outages,
          progress,
          onError,
        }),
    },
    openSource: (from, handlers, observer) =>
      new BinlogTailer({
        observer,
        schemaChanges: definitionReader !== null,
        endpoint,
        serverId: config.source.server_id,
        sourceServerId: server?.serverId ?? 0,
        from,
        byGtid: server?.gtid ?? true,
        filter,
        tables: tableResolver(new TableSchemaCache((msg) => logger.warn(msg), columns)),
        rowOptions: { ...ZONGJI_ROW_OPTIONS },
        onBatch: handlers.onBatch,
        onError: handlers.onError,
        logger: logger.child('binlog'),
        retryMaxMs: config.source.retry_max_ms,
        outages,
      }),
  });
}

/**
 * What the config would write to the source, refused where it cannot be written: the
 * watermarks need GTIDs to be read instead, and a read-only server cannot hold the mysql
 * checkpoint store.
 */
function checkWritable(config: PipelineConfig, server: ServerInfo): void {
  const where = `${config.source.host}:${config.source.port}`;
  if (config.snapshot.watermarks === 'gtid' && !server.gtid) {
    throw new TributaryError(`snapshot.watermarks = "gtid" needs GTIDs, and MySQL at ${where} runs with gtid_mode other than ON`, {
      code: 'MYSQL_SERVER_SETTING',
      fix: 'turn GTIDs on (gtid_mode = ON, enforce_gtid_consistency = ON) or use snapshot.watermarks = "table" on a writable server',
    });
  }
  if (config.checkpoint.store === 'mysql' && server.readOnly) {
    throw new TributaryError(`checkpoint.store = "mysql" writes the checkpoint to the source, and ${server.flavor === 'mysql' ? 'MySQL' : 'MariaDB'} at ${where} is read-only (read_only or super_read_only is on)`, {
      code: 'MYSQL_SERVER_SETTING',
      fix: 'use checkpoint.store = "kafka" (or "file") with a read-only source, or point [source] at a writable server',
    });
  }
  if (config.snapshot.watermarks === 'table' && server.readOnly) {
    throw new TributaryError(`snapshot.watermarks = "table" writes watermark rows to _tributary on the source, and the server at ${where} is read-only (read_only or super_read_only is on)`, {
      code: 'MYSQL_SERVER_SETTING',
      fix: 'set snapshot.watermarks = "gtid" (watermarks read from the executed GTID set, nothing written), or point [source] at a writable server',
    });
  }
}

/** The pipeline's kafkajs client, as every part that talks to Kafka uses it. */
export function pipelineKafka(config: PipelineConfig, logger: Logger): Kafka {
  return kafkaClient(config.kafka, {
    clientId: config.kafka.client_id,
    logger,
    // Few quick kafkajs-level retries; the long patience is withRetry's, bounded by retry_max_ms.
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 2_000 },
  });
}

/** Exactly-once: one transactional id per pipeline, and the checkpoint record its transactions carry. */
function transactional(config: PipelineConfig, store: CheckpointStore): TransactionalOptions {
  // The config refuses exactly_once with any other store.
  if (!(store instanceof KafkaCheckpointStore)) throw new Error('exactly_once without the kafka checkpoint store');
  return {
    id: `tributary-${config.name}`,
    timeoutMs: config.kafka.transaction_timeout_ms,
    commitIntervalMs: config.kafka.transaction_commit_interval_ms,
    checkpointRecord: (mark) => {
      const cp: Checkpoint = { pipeline: config.name, position: mark.position, updatedAt: new Date().toISOString() };
      if (mark.progress) cp.snapshot = mark.progress;
      return store.record(cp);
    },
  };
}

/** The schemas topic must exist, compacted, before the first schema is published to it. */
async function prepareSchemasTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await ensureCompactedTopic(admin, topic, 'schemas');
  } catch (err) {
    throw kafkaError(err, 'connect to Kafka and prepare the schemas topic');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Every record of a topic up to its current end; a topic that does not exist has none. */
async function readWholeTopic(kafka: Kafka, topic: string, onRecord: (key: Buffer | null, value: Buffer | null) => void): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    if (!(await admin.listTopics()).includes(topic)) return;
    await readTopicToEnd(kafka, admin, topic, onRecord);
  } catch (err) {
    throw kafkaError(err, `read topic ${topic} to find its live keys`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function tableResolver(cache: TableSchemaCache): TableResolver {
  return {
    tableMap: (event: RowsEventLike) => void cache.fromTableMap(event as unknown as TableMapEvent),
    resolve: (db, table) => {
      const schema = cache.get(db, table);
      if (!schema) throw new Error(`no table map seen for ${db}.${table}`);
      return cache.decoderFor(schema);
    },
    lookup: (db, table) => cache.get(db, table),
    forget: (db, table) => cache.forget(db, table),
  };
}

import { loadConfig } from '../config/load-config.js';
import { sourceEndpoint } from '../source/source-endpoint.js';
import { TableFilter } from '../route/table-filter.js';
import { ChunkReader } from '../source/snapshot/chunk-reader.js';
import { ControlTables } from '../source/snapshot/control-tables.js';
import { TributaryError } from '../errors/tributary-error.js';
import { reportError } from './report-error.js';
import { SignalTopic } from '../source/snapshot/signal-topic.js';
import { pipelineKafka } from '../build-pipeline.js';
import { createLogger } from '../logger.js';
import { kafkaError } from '../sink/kafka-error.js';

/**
 * Asks the pipeline to snapshot tables again while it streams. The request is a row in
 * `_tributary.signals`: it reaches the running pipeline through the binlog itself, at an
 * exact point of the stream, and waits there if the pipeline is not running. With
 * `snapshot.signal_topic` (a read-only source) it is a message on that topic instead,
 * which waits there the same way.
 */
export async function snapshotCommand(opts: { config: string; tables: string }): Promise<number> {
  let control: ControlTables | null = null;
  let chunks: ChunkReader | null = null;
  try {
    const config = await loadConfig(opts.config);
    const tables = opts.tables.split(',').map((t) => t.trim()).filter(Boolean);
    const filter = new TableFilter(config.source.include, config.source.exclude);
    chunks = new ChunkReader(sourceEndpoint(config), { warn: (msg) => process.stderr.write(`warning: ${msg}\n`) });
    for (const id of tables) {
      const dot = id.indexOf('.');
      if (dot <= 0) throw new TributaryError(`"${id}" is not a db.table name`, { code: 'SNAPSHOT', fix: 'pass --tables db.table[,db.table...]' });
      const db = id.slice(0, dot);
      const table = id.slice(dot + 1);
      if (!filter.includes(db, table)) {
        throw new TributaryError(`${id} is not published by pipeline "${config.name}"`, {
          code: 'SNAPSHOT',
          fix: 'add it to source.include (and restart the pipeline) or check the name',
        });
      }
      await chunks.describe(db, table);
    }
    const topic = config.snapshot.signal_topic;
    if (topic) {
      await sendSignal(config, topic, tables);
    } else {
      control = new ControlTables(sourceEndpoint(config));
      await control.signal(config.name, 'snapshot', tables.join(','));
    }
    process.stdout.write(`snapshot of ${tables.join(', ')} requested from pipeline "${config.name}"; follow it with tributary status --config ${opts.config}\n`);
    return 0;
  } catch (err) {
    return reportError(err);
  } finally {
    await chunks?.close();
    await control?.close();
  }
}

async function sendSignal(config: Awaited<ReturnType<typeof loadConfig>>, topic: string, tables: string[]): Promise<void> {
  const kafka = pipelineKafka(config, createLogger('warn'));
  await SignalTopic.ensure(kafka, topic);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  try {
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [SignalTopic.request(config.name, tables)] });
  } catch (err) {
    throw kafkaError(err, `send the snapshot request to ${topic}`);
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

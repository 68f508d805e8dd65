/**
 * Kafka's own Java tools against the shared broker, with the jars the broker runs from
 * (scripts/stack/kafka.sh fetches them): the Java client as consumer and producer
 * (test/java/KafkaJavaClient.java, run as a single-file program), and DumpLogSegments over
 * a topic's log segments on the broker's disk, which names each batch's codec, and the
 * segments' size on disk.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KAFKA_BROKERS } from './stack.js';

const REPO = new URL('../..', import.meta.url).pathname;
const PROGRAM = join(REPO, 'test/java/KafkaJavaClient.java');
const LIBS = join(process.env.TRIBUTARY_CACHE ?? join(homedir(), '.cache/tributary'), `kafka-${process.env.TRIBUTARY_KAFKA_VERSION ?? '4.1.1'}`, 'libs');
const CLASSPATH = `${LIBS}/*`;
const JVM = ['-Xshare:auto', '-XX:TieredStopAtLevel=1', '-cp', CLASSPATH];

export interface JavaRecord {
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
}

/** Every record of `topic`, as Kafka's Java consumer reads it (read_committed). */
export async function javaConsume(topic: string): Promise<JavaRecord[]> {
  const { stdout } = await promisify(execFile)('java', [...JVM, PROGRAM, 'consume', KAFKA_BROKERS[0]!, topic], { maxBuffer: 1 << 30, timeout: 120_000 });
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('R '))
    .map((l) => {
      const [, partition, offset, key, value] = l.split(' ');
      return { partition: Number(partition), offset: BigInt(offset!), key: bytes(key!), value: bytes(value!) };
    });
}

/** Sends records with Kafka's Java producer and `compression.type = codec`; their offsets, in order. */
export async function javaProduce(topic: string, codec: string, records: { key: Buffer | null; value: Buffer | null }[]): Promise<{ partition: number; offset: bigint }[]> {
  const child = spawn('java', [...JVM, PROGRAM, 'produce', KAFKA_BROKERS[0]!, topic, codec], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  child.stdin.end(records.map((r) => `${hex(r.key)} ${hex(r.value)}\n`).join(''));
  const code = await exited;
  if (code !== 0) throw new Error(`KafkaJavaClient produce exited ${code}: ${stderr}`);
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('R '))
    .map((l) => {
      const [, partition, offset] = l.split(' ');
      return { partition: Number(partition), offset: BigInt(offset!) };
    });
}

export interface DumpedBatch {
  baseOffset: bigint;
  count: number;
  /** Bytes of the batch on disk (what the broker stores and serves). */
  size: number;
  /** DumpLogSegments' name for the codec: none, gzip, snappy, lz4, zstd. */
  codec: string;
  isControl: boolean;
}

/** The record batches of a topic's partition on the broker's disk, as DumpLogSegments reads them. */
export async function dumpLogBatches(topic: string, partition = 0): Promise<DumpedBatch[]> {
  const dir = join(brokerLogDir(), `${topic}-${partition}`);
  const segments = readdirSync(dir).filter((f) => f.endsWith('.log')).sort().map((f) => join(dir, f));
  const { stdout } = await promisify(execFile)('java', [...JVM, 'kafka.tools.DumpLogSegments', '--files', segments.join(',')], { maxBuffer: 1 << 28, timeout: 120_000 });
  const batches: DumpedBatch[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('baseOffset:')) continue;
    const field = (name: string) => {
      const m = new RegExp(`(?:^| )${name}: (\\S+)`).exec(line);
      if (!m) throw new Error(`DumpLogSegments line without ${name}: ${line}`);
      return m[1]!;
    };
    batches.push({ baseOffset: BigInt(field('baseOffset')), count: Number(field('count')), size: Number(field('size')), codec: field('compresscodec'), isControl: field('isControl') === 'true' });
  }
  return batches;
}

/** Bytes of a topic's log segments on the broker's disk, over all partitions: what it stores and serves. */
export function topicLogBytes(topic: string): number {
  const root = brokerLogDir();
  let bytes = 0;
  for (const dir of readdirSync(root).filter((d) => d.startsWith(`${topic}-`) && /^\d+$/.test(d.slice(topic.length + 1)))) {
    for (const f of readdirSync(join(root, dir))) if (f.endsWith('.log')) bytes += statSync(join(root, dir, f)).size;
  }
  return bytes;
}

/** The shared broker's log.dirs, from the server.properties scripts/stack/kafka.sh wrote. */
function brokerLogDir(): string {
  const stack = process.env.STACK_DIR ?? join(REPO, '.stack');
  const props = readFileSync(join(stack, 'kafka', 'server.properties'), 'utf8');
  const line = props.split('\n').find((l) => l.startsWith('log.dirs='));
  if (!line) throw new Error(`no log.dirs in ${stack}/kafka/server.properties`);
  return line.slice('log.dirs='.length).split(',')[0]!.trim();
}

function hex(b: Buffer | null): string {
  return b === null ? '-' : b.length === 0 ? '' : b.toString('hex');
}

function bytes(s: string): Buffer | null {
  return s === '-' ? null : Buffer.from(s, 'hex');
}

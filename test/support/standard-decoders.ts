/**
 * Runs the standard Avro decoders of test/decoders (Apache Avro Java's BinaryMessageDecoder
 * and fastavro) over messages, as a downstream consumer with other tools would read them.
 * The libraries are fetched and the Java program compiled once into the cache
 * (test/decoders/fetch.sh); each decoder is one process per call.
 */
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const DECODERS_DIR = fileURLToPath(new URL('../decoders/', import.meta.url));

export type StandardDecoder = 'avro-java' | 'fastavro';
/** Single-object frames with the schemas given, or Confluent frames with schemas fetched by id from a registry. */
export type Framing = 'single-object' | { confluent: string };

export interface DecoderMessage {
  id: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Index into the schemas given with the messages: BinaryMessageDecoder's read schema for each part. */
  keyReader: number | null;
  valueReader: number | null;
}

/** One decoded message: values as exact JSON (see test/decoders/StandardDecode.java); *Error where decoding threw. */
export interface DecoderOutput {
  id: string;
  key: Record<string, unknown> | null;
  value: Record<string, unknown> | null;
  keyError?: string;
  valueError?: string;
}

let paths: Promise<{ javaClasspath: string; pythonPath: string }> | undefined;

function decoderPaths(): Promise<{ javaClasspath: string; pythonPath: string }> {
  paths ??= promisify(execFile)('bash', [`${DECODERS_DIR}fetch.sh`], { maxBuffer: 1 << 20 }).then(({ stdout }) => {
    const value = (name: string) => {
      const line = stdout.split('\n').find((l) => l.startsWith(`${name}=`));
      if (!line) throw new Error(`test/decoders/fetch.sh printed no ${name}: ${stdout}`);
      return line.slice(name.length + 1);
    };
    return { javaClasspath: value('java-classpath'), pythonPath: value('python-path') };
  });
  return paths;
}

/**
 * Decodes `messages` with `decoder`: single-object frames given every schema of the schemas
 * topic (JSON texts, in topic order), or Confluent frames (`{ confluent: registryUrl }`,
 * no schemas needed) with each id's schema fetched by the decoder itself.
 */
export async function decodeWith(
  decoder: StandardDecoder,
  framing: Framing,
  schemas: readonly string[],
  messages: readonly DecoderMessage[],
): Promise<DecoderOutput[]> {
  const { javaClasspath, pythonPath } = await decoderPaths();
  const flags = framing === 'single-object' ? ['--framing', 'single-object'] : ['--framing', 'confluent', '--registry', framing.confluent];
  const [command, args, env] =
    decoder === 'avro-java'
      ? ['java', ['-Xshare:auto', '-XX:TieredStopAtLevel=1', '-cp', javaClasspath, 'StandardDecode', ...flags], process.env]
      : ['python3', [`${DECODERS_DIR}standard_decode.py`, ...flags], { ...process.env, PYTHONPATH: pythonPath }];
  const input = [
    ...schemas.map((schema) => JSON.stringify({ schema })),
    ...messages.map((m) =>
      JSON.stringify({
        id: m.id,
        key: m.key?.toString('base64') ?? null,
        value: m.value?.toString('base64') ?? null,
        keyReader: m.keyReader,
        valueReader: m.valueReader,
      }),
    ),
  ].join('\n');
  const child = spawn(command, args as string[], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  child.stdin.end(`${input}\n`);
  const code = await exited;
  if (code !== 0) throw new Error(`${decoder} exited ${code}: ${stderr}`);
  return stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as DecoderOutput);
}

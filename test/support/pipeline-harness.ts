/**
 * Runs a real pipeline (in this process, or as a `tributary start` child process) against
 * the local stack, with a config of its own: its own database filter, topic prefix,
 * schemas topic, checkpoint and replica id, so tests never see each other's data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/parse-config.js';
import { buildPipeline } from '../../src/build-pipeline.js';
import { createLogger } from '../../src/logger.js';
import { HttpServer } from '../../src/observe/http-server.js';
import { KAFKA_BROKERS, SOURCE, uniqueName, uniqueServerId } from './stack.js';

export interface TestPipelineOptions {
  db: string;
  /** Extra TOML appended to the generated config (e.g. [[routes]]). */
  extra?: string;
  kafka?: Record<string, string | number | boolean>;
  /** Instead of the shared broker. */
  brokers?: string[];
  source?: Record<string, string | number | boolean>;
  checkpoint?: Record<string, string | number | boolean>;
  snapshot?: Record<string, string | number | boolean>;
}

export interface TestPipelineConfig {
  name: string;
  toml: string;
  file: string;
  topicPrefix: string;
  schemasTopic: string;
  checkpointPath: string;
  topicFor(table: string): string;
}

const REPO = new URL('../..', import.meta.url).pathname;

function tomlValue(v: string | number | boolean): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function section(entries: Record<string, string | number | boolean>): string {
  return Object.entries(entries).map(([k, v]) => `${k} = ${tomlValue(v)}`).join('\n');
}

export function testPipelineConfig(options: TestPipelineOptions): TestPipelineConfig {
  const name = uniqueName('t_pipe');
  const dir = mkdtempSync(join(tmpdir(), 'tributary-test-'));
  const topicPrefix = name;
  const schemasTopic = `${name}_schemas`;
  const checkpointPath = join(dir, 'checkpoint.json');
  const source = {
    host: SOURCE.host,
    port: SOURCE.port,
    user: 'tributary',
    password: 'tributary',
    server_id: uniqueServerId(),
    include: '__INCLUDE__',
    ...options.source,
  };
  const toml = [
    `name = "${name}"`,
    '[source]',
    section(source).replace('"__INCLUDE__"', `["${options.db}.*"]`),
    '[kafka]',
    section({ brokers: '__BROKERS__', topic_prefix: topicPrefix, schemas_topic: schemasTopic, retry_max_ms: 5000, ...options.kafka }).replace(
      '"__BROKERS__"',
      JSON.stringify(options.brokers ?? KAFKA_BROKERS),
    ),
    '[checkpoint]',
    section({ store: 'file', path: checkpointPath, interval_ms: 200, ...options.checkpoint }),
    '[snapshot]',
    section({ ...options.snapshot }),
    options.extra ?? '',
  ].join('\n');
  const file = join(dir, 'pipeline.toml');
  writeFileSync(file, toml);
  return { name, toml, file, topicPrefix, schemasTopic, checkpointPath, topicFor: (table) => `${topicPrefix}.${options.db}.${table}` };
}

export interface RunningPipeline {
  /** Graceful stop: resolves when the pipeline has stopped (rejects with its failure). */
  stop(): Promise<void>;
  /** Settles when the pipeline ends on its own (failure) or after stop(). */
  done: Promise<void>;
  logs: string[];
  /** With [http] listen: the server, started as `tributary start` starts it; it stays open after stop() until closed. */
  http: HttpServer | null;
}

/** Runs the pipeline in this process; resolves once it streams. */
/** `logs` may be passed in to watch the lines of a start that has not resolved yet. */
export async function runPipeline(config: TestPipelineConfig, logs: string[] = []): Promise<RunningPipeline> {
  const logger = createLogger('info', (line) => logs.push(line));
  const parsed = parseConfig(config.toml, config.file, {});
  const http = parsed.http.listen ? new HttpServer({ listen: parsed.http.listen, logger: logger.child('http') }) : null;
  await http?.start();
  const pipeline = await buildPipeline(parsed, logger);
  http?.observe(pipeline);
  const controller = new AbortController();
  const done = pipeline.run(controller.signal);
  let finished = false;
  done.then(
    () => (finished = true),
    () => (finished = true),
  );
  await waitFor(() => finished || logs.some((l) => l.includes('streaming the binlog')), 30_000, () => logs.join(''));
  return {
    logs,
    done,
    http,
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}

/** The node flags on bin/tributary.js's `#!/usr/bin/env -S node ...` line. */
function launcherFlags(): string[] {
  const first = readFileSync(join(REPO, 'bin/tributary.js'), 'utf8').split('\n', 1)[0]!;
  const m = /^#!\/usr\/bin\/env -S node(.*)$/.exec(first);
  return m ? m[1]!.split(' ').filter((a) => a !== '') : [];
}

/** `tributary start` as a child process, as a user runs it. */
export function spawnTributary(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  options: { defaultLogFormat?: boolean; nodeArgs?: string[]; compiled?: boolean } = {},
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  // The tests read the text lines; a piped stderr gets JSON by default (log-format.test.ts checks that).
  const text = args[0] === 'start' && !args.includes('--log-format') && !options.defaultLogFormat;
  const format = text ? ['--log-format', 'text'] : [];
  // `compiled` runs bin/tributary.js with the node flags of its #! line, as a deployment does
  // (it runs the build, dist/, when there is one); else the sources through tsx.
  // `nodeArgs` come after the #! line's flags, so they override them (V8 takes the last).
  const nodeArgs = options.nodeArgs ?? [];
  const cli = options.compiled
    ? [...launcherFlags(), ...nodeArgs, join(REPO, 'bin/tributary.js')]
    : [...nodeArgs, '--import', 'tsx', join(REPO, 'src/cli/main.ts')];
  const child = spawn(process.execPath, [...cli, ...args, ...format], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/**
 * `tributary start` on `config` as a child process; resolves once it streams the binlog and
 * throws if it exits first. The child is added to `children` so a test's cleanup can kill it.
 */
export async function startTributary(config: TestPipelineConfig, children: ReturnType<typeof spawnTributary>[] = []): Promise<ReturnType<typeof spawnTributary>> {
  const run = spawnTributary(['start', '--config', config.file]);
  children.push(run);
  let exited = false;
  void run.exited.then(() => (exited = true));
  await waitFor(() => exited || run.output().includes('streaming the binlog'), 30_000, run.output);
  if (exited) throw new Error(`tributary exited before streaming:\n${run.output()}`);
  return run;
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting. ${describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

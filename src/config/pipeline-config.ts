import { z } from 'zod';

/**
 * The one schema of a pipeline config file: validation, defaults and the TypeScript type
 * all come from here. Every leaf carries the sentence a user reads when the value is
 * wrong ("expected integer 1..65535"); parse-config.ts adds the key path and what was
 * found instead. Objects are strict, so a misspelt key is an error, not a silent default.
 */

const MAX_MS = 86_400_000;

const int = (min: number, max: number) => {
  const error = `expected integer ${min}..${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};
const str = () => z.string({ error: 'expected a string' });
const nonEmpty = (what: string) => {
  const error = `expected ${what}`;
  return z.string({ error }).min(1, { error });
};
const bool = () => z.boolean({ error: 'expected true or false' });
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `expected one of ${values.map((v) => `"${v}"`).join(', ')}` });
const list = <T extends z.ZodType>(item: T, what: string) => z.array(item, { error: `expected an array of ${what}` });

const NAME = /^[A-Za-z0-9_.-]+$/;
// Kafka's own rule for topic names.
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
// `db.table`, each side a glob of `*` and `?`; names with dots are not supported.
const TABLE_GLOB = /^[^.\s]+\.[^.\s]+$/;
const BROKER = /^(?:\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):(?:6553[0-5]|655[0-2]\d|65[0-4]\d\d|6[0-4]\d{3}|[1-5]\d{4}|[1-9]\d{0,3})$/;

const topicName = () => {
  const error = 'expected a Kafka topic name (1-249 of letters, digits, ".", "_", "-")';
  return z.string({ error }).regex(TOPIC, { error });
};
const tableGlob = () => {
  const error = 'expected a db.table glob such as "shop.*" (wildcards * and ?)';
  return z.string({ error }).regex(TABLE_GLOB, { error });
};

/** Schemas the pipeline never publishes, whatever `include` says. */
export const ALWAYS_EXCLUDED_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys', '_tributary'] as const;

const table = (name: string) => ({ error: `expected a table ${name}` });

const source = z.strictObject({
  host: nonEmpty('a host name or IP address').default('127.0.0.1'),
  port: int(1, 65535).default(3306),
  user: nonEmpty('a non-empty user name'),
  password: str().default(''),
  server_id: int(1, 4294967295),
  include: list(tableGlob(), 'db.table globs').default(['*.*']),
  exclude: list(tableGlob(), 'db.table globs').default([]),
  connect_timeout_ms: int(1, MAX_MS).default(10_000),
  retry_max_ms: int(0, MAX_MS).default(300_000),
}, table('[source]'));

const kafka = z.strictObject({
  brokers: list(z.string({ error: 'expected "host:port"' }).regex(BROKER, { error: 'expected "host:port"' }), '"host:port" strings')
    .min(1, { error: 'expected at least one "host:port"' }),
  client_id: nonEmpty('a non-empty client id').optional(),
  topic_prefix: topicName().optional(),
  schemas_topic: topicName().default('_tributary_schemas'),
  // "" turns schema-change messages off; unset means <topic_prefix>._schema_changes.
  schema_changes_topic: z.union([topicName(), z.literal('')], { error: 'expected a Kafka topic name, or "" for none' }).optional(),
  tombstones: bool().default(true),
  truncate_handling: oneOf(['event', 'deletes'] as const).default('event'),
  compression: oneOf(['none', 'gzip'] as const).default('none'),
  max_in_flight_messages: int(1, 10_000_000).default(10_000),
  batch_max_messages: int(1, 1_000_000).default(2_000),
  retry_max_ms: int(0, MAX_MS).default(60_000),
  // The broker's default message.max.bytes is 1048588: 1 MiB plus the 12 bytes of offset and length.
  max_message_bytes: int(1_024, 2_147_483_647).default(1_048_576),
  oversized: oneOf(['fail', 'skip', 'truncate'] as const).default('fail'),
  skipped_topic: topicName().default('_tributary_skipped'),
  delivery: oneOf(['at_least_once', 'exactly_once'] as const).default('at_least_once'),
  transaction_timeout_ms: int(1_000, MAX_MS).default(300_000),
}, table('[kafka]'));

const route = z.strictObject({
  match: tableGlob(),
  topic: topicName(),
}, table('[[routes]] with match and topic'));

const checkpoint = z.strictObject({
  store: oneOf(['kafka', 'mysql', 'file'] as const).default('kafka'),
  interval_ms: int(1, MAX_MS).default(1_000),
  retry_max_ms: int(0, MAX_MS).default(300_000),
  topic: topicName().default('_tributary_checkpoints'),
  path: nonEmpty('a file path').optional(),
}, table('[checkpoint]'));

const snapshot = z.strictObject({
  mode: oneOf(['initial', 'never', 'when_needed'] as const).default('initial'),
  chunk_size: int(1, 10_000_000).default(10_000),
  parallelism: int(1, 64).default(2),
  max_unkeyed_rows: int(0, Number.MAX_SAFE_INTEGER).default(1_000_000),
}, table('[snapshot]'));

const standby = z.strictObject({
  enabled: bool().default(false),
  lease_ms: int(1_000, MAX_MS).default(10_000),
  topic: topicName().default('_tributary_leases'),
}, table('[standby]'));

const REGISTRY_URL = /^https?:\/\/[^\s/]+(?:\/\S*)?$/;

const registry = z.strictObject({
  url: z.string({ error: 'expected an http:// or https:// URL' }).regex(REGISTRY_URL, { error: 'expected an http:// or https:// URL' }),
  username: nonEmpty('a non-empty user name').optional(),
  password: str().optional(),
  ca_file: nonEmpty('a file path').optional(),
  cert_file: nonEmpty('a file path').optional(),
  key_file: nonEmpty('a file path').optional(),
  reject_unauthorized: bool().default(true),
  subject_strategy: oneOf(['topic', 'record', 'topic_record'] as const).default('topic'),
  auto_register: bool().default(true),
  retry_max_ms: int(0, MAX_MS).default(300_000),
  request_timeout_ms: int(100, MAX_MS).default(10_000),
}, table('[registry]'));

const document = z.strictObject({
  name: z
    .string({ error: 'expected a pipeline name of letters, digits, ".", "_", "-"' })
    .regex(NAME, { error: 'expected a pipeline name of letters, digits, ".", "_", "-"' })
    .max(200, { error: 'expected a pipeline name of at most 200 characters' }),
  source,
  kafka,
  routes: list(route, 'tables ([[routes]] with match and topic)').default([]),
  checkpoint: checkpoint.prefault({}),
  snapshot: snapshot.prefault({}),
  standby: standby.prefault({}),
  registry: registry.optional(),
}, table('(the whole document)'));

export const pipelineConfigSchema = document
  .superRefine((c, ctx) => {
    if (c.kafka.delivery === 'exactly_once' && c.checkpoint.store !== 'kafka') {
      ctx.addIssue({
        code: 'custom',
        path: ['kafka', 'delivery'],
        message: `"exactly_once" needs checkpoint.store = "kafka" (the checkpoint commits in the same Kafka transaction as the data), not "${c.checkpoint.store}"`,
        input: c.kafka.delivery,
      });
    }
    const r = c.registry;
    if (r && (r.username === undefined) !== (r.password === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['registry', r.username === undefined ? 'username' : 'password'],
        message: 'basic auth needs both registry.username and registry.password',
        input: undefined,
      });
    }
    if (r && (r.cert_file === undefined) !== (r.key_file === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['registry', r.cert_file === undefined ? 'cert_file' : 'key_file'],
        message: 'a client certificate needs both registry.cert_file and registry.key_file',
        input: undefined,
      });
    }
    if (r && c.kafka.truncate_handling === 'deletes') {
      ctx.addIssue({
        code: 'custom',
        path: ['kafka', 'truncate_handling'],
        message: '"deletes" is not supported with [registry] yet (it re-reads topics in the self-contained framing); use "event"',
        input: c.kafka.truncate_handling,
      });
    }
    if (c.kafka.batch_max_messages > c.kafka.max_in_flight_messages) {
      ctx.addIssue({
        code: 'custom',
        path: ['kafka', 'batch_max_messages'],
        message: `must not exceed kafka.max_in_flight_messages (${c.kafka.max_in_flight_messages}), or a batch could never be sent`,
        input: c.kafka.batch_max_messages,
      });
    }
  })
  // Defaults derived from `name` are filled here so that every consumer sees one value.
  .transform((c) => ({
    ...c,
    kafka: {
      ...c.kafka,
      client_id: c.kafka.client_id ?? `tributary-${c.name}`,
      topic_prefix: c.kafka.topic_prefix ?? c.name,
      schema_changes_topic: c.kafka.schema_changes_topic ?? `${c.kafka.topic_prefix ?? c.name}._schema_changes`,
    },
    checkpoint: {
      ...c.checkpoint,
      path: c.checkpoint.path ?? `./.tributary/${c.name}.checkpoint.json`,
    },
  }));

export type PipelineConfig = z.infer<typeof pipelineConfigSchema>;

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

const pemFile = () => nonEmpty('a path to a PEM file');
// The files of a TLS client: whom to trust, and who we are (both or neither of cert and key).
const tlsFiles = { ca: pemFile().optional(), cert: pemFile().optional(), key: pemFile().optional() };

const sourceTls = z.strictObject({
  // MySQL's own --ssl-mode values, in lower case.
  mode: oneOf(['disabled', 'preferred', 'required', 'verify_ca', 'verify_identity'] as const).default('disabled'),
  ...tlsFiles,
}, table('[source.tls]'));

const kafkaTls = z.strictObject({
  enabled: bool().default(true),
  ...tlsFiles,
  check_hostname: bool().default(true),
}, table('[kafka.tls]'));

const kafkaSasl = z.strictObject({
  mechanism: oneOf(['plain', 'scram-sha-256', 'scram-sha-512'] as const),
  username: nonEmpty('a non-empty user name'),
  password: nonEmpty('a non-empty password'),
}, table('[kafka.sasl] with mechanism, username and password'));

const registryTls = z.strictObject({
  ...tlsFiles,
  check_hostname: bool().default(true),
}, table('[registry.tls]'));

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
  tls: sourceTls.prefault({}),
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
  compression: oneOf(['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const).default('none'),
  max_in_flight_messages: int(1, 10_000_000).default(10_000),
  // Bytes of those messages (keys, values, record overhead); pauses the binlog too.
  max_in_flight_bytes: int(64 * 1024, 1 << 30).default(4 * 1024 * 1024),
  batch_max_messages: int(1, 1_000_000).default(2_000),
  retry_max_ms: int(0, MAX_MS).default(60_000),
  // The broker's default message.max.bytes is 1048588: 1 MiB plus the 12 bytes of offset and length.
  max_message_bytes: int(1_024, 2_147_483_647).default(1_048_576),
  oversized: oneOf(['fail', 'skip', 'truncate'] as const).default('fail'),
  skipped_topic: topicName().default('_tributary_skipped'),
  delivery: oneOf(['at_least_once', 'exactly_once'] as const).default('at_least_once'),
  transaction_timeout_ms: int(1_000, MAX_MS).default(300_000),
  // With exactly_once: how long a Kafka transaction takes more source transactions while more wait.
  transaction_commit_interval_ms: int(0, 60_000).default(100),
  tls: kafkaTls.optional(),
  sasl: kafkaSasl.optional(),
}, table('[kafka]'));

const route = z.strictObject({
  match: tableGlob(),
  topic: topicName(),
}, table('[[routes]] with match and topic'));

const columnName = () => nonEmpty('a column name');
const lengths = (what: string) =>
  z.record(z.string(), int(0, 1_000_000), { error: `expected a table of column = ${what}, e.g. { phone = 4 }` }).default({});

const columns = z.strictObject({
  match: tableGlob(),
  include: list(columnName(), 'column names').optional(),
  exclude: list(columnName(), 'column names').default([]),
  hash: list(columnName(), 'column names').default([]),
  hash_salt: str().optional(),
  mask: lengths('number of "*"'),
  truncate: lengths('number of characters kept'),
}, table('[[columns]] with match'));

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
  // Row data per chunk (estimated from a sample of the previous chunk's rows); bounds memory for wide rows.
  chunk_max_bytes: int(1024, 1 << 30).default(512 * 1024),
  parallelism: int(1, 64).default(2),
  max_unkeyed_rows: int(0, Number.MAX_SAFE_INTEGER).default(1_000_000),
  // "table": watermark rows in _tributary on the source; "gtid": the executed GTID set, nothing written.
  watermarks: oneOf(['table', 'gtid'] as const).default('table'),
  // Ad-hoc snapshot requests as Kafka messages; unset means <topic_prefix>._signals with "gtid", none with "table".
  signal_topic: topicName().optional(),
}, table('[snapshot]'));

const standby = z.strictObject({
  enabled: bool().default(false),
  lease_ms: int(1_000, MAX_MS).default(10_000),
  topic: topicName().default('_tributary_leases'),
}, table('[standby]'));

const LISTEN_ERROR = 'expected a port (1..65535, listening on 127.0.0.1) or "host:port"';
const PORT_ONLY = /^(?:6553[0-5]|655[0-2]\d|65[0-4]\d\d|6[0-4]\d{3}|[1-5]\d{4}|[1-9]\d{0,3})$/;

const http = z.strictObject({
  // Off unless given; a bare port listens on loopback only, so metrics are not exposed by accident.
  listen: z
    .union([int(1, 65535), z.string({ error: LISTEN_ERROR }).regex(new RegExp(`${PORT_ONLY.source}|${BROKER.source}`), { error: LISTEN_ERROR })], { error: LISTEN_ERROR })
    .transform((v) => (typeof v === 'number' || PORT_ONLY.test(v) ? `127.0.0.1:${v}` : v))
    .optional(),
}, table('[http]'));

const heartbeat = z.strictObject({
  interval_ms: int(0, MAX_MS).default(0),
  topic: topicName().optional(),
  action_query: nonEmpty('an SQL statement').optional(),
}, table('[heartbeat]'));

const REGISTRY_URL = /^https?:\/\/[^\s/]+(?:\/\S*)?$/;

const registry = z.strictObject({
  url: z.string({ error: 'expected an http:// or https:// URL' }).regex(REGISTRY_URL, { error: 'expected an http:// or https:// URL' }),
  username: nonEmpty('a non-empty user name').optional(),
  password: str().optional(),
  tls: registryTls.optional(),
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
  columns: list(columns, 'tables ([[columns]] with match)').default([]),
  checkpoint: checkpoint.prefault({}),
  snapshot: snapshot.prefault({}),
  standby: standby.prefault({}),
  http: http.prefault({}),
  heartbeat: heartbeat.prefault({}),
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
    const clients = [['source', c.source.tls], ['kafka', c.kafka.tls], ['registry', r?.tls]] as const;
    for (const [section, tls] of clients) {
      if (tls && (tls.cert === undefined) !== (tls.key === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [section, 'tls', tls.cert === undefined ? 'cert' : 'key'],
          message: `a client certificate needs both ${section}.tls.cert and ${section}.tls.key`,
          input: undefined,
        });
      }
    }
    const st = c.source.tls;
    // A CA that is never checked would only look like protection.
    const unused = st.mode === 'disabled' ? (['ca', 'cert', 'key'] as const).find((k) => st[k] !== undefined) : st.mode !== 'verify_ca' && st.mode !== 'verify_identity' && st.ca !== undefined ? 'ca' : undefined;
    if (unused) {
      ctx.addIssue({
        code: 'custom',
        path: ['source', 'tls', unused],
        message: `source.tls.mode = "${st.mode}" does not use it; ${unused === 'ca' ? 'the CA is checked with "verify_ca" or "verify_identity"' : 'a client certificate needs TLS (mode "preferred" or stricter)'}`,
        input: st[unused],
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
    c.columns.forEach((entry, i) => {
      const issue = (key: string, message: string) =>
        ctx.addIssue({ code: 'custom', path: ['columns', i, key], message, params: { standalone: true } });
      if (entry.include && entry.exclude.length > 0) issue('exclude', 'give include or exclude, not both');
      if (entry.hash.length > 0 && !entry.hash_salt) issue('hash_salt', 'hashing needs a hash_salt (keep it secret and the same across runs, e.g. "${MASK_SALT}")');
      const seen = new Map<string, string>();
      for (const [key, names] of [['exclude', entry.exclude], ['hash', entry.hash], ['mask', Object.keys(entry.mask)], ['truncate', Object.keys(entry.truncate)]] as const) {
        for (const name of names) {
          const other = seen.get(name);
          if (other) issue(key, `column ${name} is in ${other} already; give each column one rule`);
          seen.set(name, key);
        }
      }
    });
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
    snapshot: {
      ...c.snapshot,
      signal_topic: c.snapshot.signal_topic ?? (c.snapshot.watermarks === 'gtid' ? `${c.kafka.topic_prefix ?? c.name}._signals` : undefined),
    },
    heartbeat: {
      ...c.heartbeat,
      topic: c.heartbeat.topic ?? `${c.kafka.topic_prefix ?? c.name}.heartbeat`,
    },
  }));

export type PipelineConfig = z.infer<typeof pipelineConfigSchema>;

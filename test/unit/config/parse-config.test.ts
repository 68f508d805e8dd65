import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../src/config/parse-config.js';
import { ConfigError, type ConfigIssue } from '../../../src/errors/config-error.js';

const MINIMAL = `
name = "shop"
[source]
user = "tributary"
server_id = 5401
[kafka]
brokers = ["127.0.0.1:9092"]
`;

/** The issues of the ConfigError that parsing `text` throws. */
function issuesOf(text: string, env: Record<string, string> = {}): ConfigIssue[] {
  try {
    parseConfig(text, 'test.toml', env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.equal(err.file, 'test.toml');
    return [...err.issues];
  }
  assert.fail('expected parseConfig to throw');
}

describe('parseConfig', () => {
  it('fills every default of a minimal config', () => {
    assert.deepEqual(parseConfig(MINIMAL, undefined, {}), {
      name: 'shop',
      source: {
        host: '127.0.0.1',
        port: 3306,
        user: 'tributary',
        password: '',
        server_id: 5401,
        include: ['*.*'],
        exclude: [],
        connect_timeout_ms: 10000,
        retry_max_ms: 300000,
        tls: { mode: 'disabled' },
      },
      kafka: {
        brokers: ['127.0.0.1:9092'],
        client_id: 'tributary-shop',
        topic_prefix: 'shop',
        schemas_topic: '_tributary_schemas',
        schema_changes_topic: 'shop._schema_changes',
        tombstones: true,
        truncate_handling: 'event',
        compression: 'none',
        max_in_flight_messages: 10000,
        max_in_flight_bytes: 4194304,
        batch_max_messages: 2000,
        retry_max_ms: 60000,
        max_message_bytes: 1048576,
        oversized: 'fail',
        skipped_topic: '_tributary_skipped',
        delivery: 'at_least_once',
        transaction_timeout_ms: 300000,
        transaction_commit_interval_ms: 100,
      },
      routes: [],
      columns: [],
      checkpoint: {
        store: 'kafka',
        interval_ms: 1000,
        retry_max_ms: 300000,
        topic: '_tributary_checkpoints',
        path: './.tributary/shop.checkpoint.json',
      },
      snapshot: { mode: 'initial', chunk_size: 10000, chunk_max_bytes: 524288, parallelism: 2, max_unkeyed_rows: 1000000, watermarks: 'table', signal_topic: undefined },
      standby: { enabled: false, lease_ms: 10000, topic: '_tributary_leases' },
      http: {},
      heartbeat: { interval_ms: 0, topic: 'shop.heartbeat' },
    });
  });

  it('reads http.listen as a port on loopback or host:port, and refuses anything else at http.listen', () => {
    const listen = (v: string) => parseConfig(`${MINIMAL}[http]\nlisten = ${v}\n`, undefined, {}).http.listen;
    assert.equal(listen('9464'), '127.0.0.1:9464');
    assert.equal(listen('"9464"'), '127.0.0.1:9464');
    assert.equal(listen('"0.0.0.0:9464"'), '0.0.0.0:9464');
    assert.equal(listen('"[::1]:9464"'), '[::1]:9464');
    for (const bad of ['0', '70000', '"localhost"', '"host:99999"']) {
      assert.throws(
        () => listen(bad),
        (err: unknown) => err instanceof ConfigError && err.issues.map((i) => i.path).join() === 'http.listen',
        bad,
      );
    }
  });

  it('takes heartbeat.topic and action_query as given', () => {
    const c = parseConfig(`${MINIMAL}[heartbeat]\ninterval_ms = 5000\ntopic = "beats"\naction_query = "UPDATE hb.beat SET ts = NOW()"\n`, undefined, {});
    assert.deepEqual(c.heartbeat, { interval_ms: 5000, topic: 'beats', action_query: 'UPDATE hb.beat SET ts = NOW()' });
  });

  it('refuses exactly_once delivery without the kafka checkpoint store, at kafka.delivery', () => {
    assert.throws(
      () => parseConfig(`${MINIMAL}delivery = "exactly_once"\n[checkpoint]\nstore = "mysql"\n`, undefined, {}),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(
          err.issues.map((i) => i.path),
          ['kafka.delivery'],
        );
        assert.match(err.message, /needs checkpoint\.store = "kafka"/);
        return true;
      },
    );
  });

  it('keeps explicit values over derived defaults', () => {
    const c = parseConfig(
      `${MINIMAL}client_id = "me"\ntopic_prefix = "p"\n[checkpoint]\nstore = "file"\npath = "/var/lib/t/cp.json"\n[[routes]]\nmatch = "shop.orders_*"\ntopic = "shop.orders"\n[[routes]]\nmatch = "*.*"\ntopic = "all"\n`,
      undefined,
      {},
    );
    assert.equal(c.kafka.client_id, 'me');
    assert.equal(c.kafka.topic_prefix, 'p');
    assert.deepEqual(c.checkpoint, { store: 'file', interval_ms: 1000, retry_max_ms: 300000, topic: '_tributary_checkpoints', path: '/var/lib/t/cp.json' });
    assert.deepEqual(c.routes, [
      { match: 'shop.orders_*', topic: 'shop.orders' },
      { match: '*.*', topic: 'all' },
    ]);
  });

  it('names an unknown key with its path and the key it probably meant', () => {
    assert.deepEqual(issuesOf(MINIMAL.replace('[source]', '[source]\nhots = "db"')), [
      { path: 'source.hots', message: 'unknown key (did you mean "host"?)' },
    ]);
  });

  it('lists the known keys when no key is close', () => {
    assert.deepEqual(issuesOf(`${MINIMAL}[snapshot]\nturbo = true\n`), [
      { path: 'snapshot.turbo', message: 'unknown key (known keys: mode, chunk_size, chunk_max_bytes, parallelism, max_unkeyed_rows, watermarks, signal_topic)' },
    ]);
  });

  it('reports unknown top-level tables and keys inside array tables', () => {
    assert.deepEqual(issuesOf(`${MINIMAL}[[routes]]\nmatch = "a.b"\ntopc = "x"\ntopic = "y"\n[chekpoint]\n`), [
      { path: 'routes[0].topc', message: 'unknown key (did you mean "topic"?)' },
      { path: 'chekpoint', message: 'unknown key (did you mean "checkpoint"?)' },
    ]);
  });

  it('checks [[columns]]: include or exclude, a salt for hashing, one rule per column, lengths as integers', () => {
    const entry = (body: string) => `${MINIMAL}[[columns]]\nmatch = "shop.customers"\n${body}\n`;
    assert.deepEqual(issuesOf(entry('include = ["id"]\nexclude = ["ssn"]')), [{ path: 'columns[0].exclude', message: 'give include or exclude, not both' }]);
    assert.deepEqual(issuesOf(entry('hash = ["email"]')), [
      { path: 'columns[0].hash_salt', message: 'hashing needs a hash_salt (keep it secret and the same across runs, e.g. "${MASK_SALT}")' },
    ]);
    assert.deepEqual(issuesOf(entry('exclude = ["phone"]\nmask = { phone = 4 }')), [
      { path: 'columns[0].mask', message: 'column phone is in exclude already; give each column one rule' },
    ]);
    assert.equal(issuesOf(entry('truncate = { note = "six" }'))[0]?.path, 'columns[0].truncate.note');
    assert.deepEqual(issuesOf(entry('exclde = ["ssn"]')), [{ path: 'columns[0].exclde', message: 'unknown key (did you mean "exclude"?)' }]);
  });

  it('names the path, the expectation and the value found for a wrong type', () => {
    assert.deepEqual(issuesOf(MINIMAL.replace('[source]', '[source]\nport = "abc"')), [
      { path: 'source.port', message: 'expected integer 1..65535, got "abc"' },
    ]);
  });

  it('reports every problem at once, each under its own key', () => {
    const text = `
name = "a b"
[source]
port = 70000
server_id = 0
include = ["shop"]
connect_timeout_ms = 1.5
[kafka]
brokers = ["nohost"]
tombstones = "yes"
compression = "brotli"
max_message_bytes = 100
oversized = "drop"
[[routes]]
match = "a.b"
topic = "ok"
[[routes]]
match = "c.d"
topic = "bad topic"
[checkpoint]
store = "s3"
[snapshot]
parallelism = 0
mode = 1
`;
    assert.deepEqual(issuesOf(text), [
      { path: 'name', message: 'expected a pipeline name of letters, digits, ".", "_", "-", got "a b"' },
      { path: 'source.port', message: 'expected integer 1..65535, got 70000' },
      { path: 'source.user', message: 'missing required key (expected a non-empty user name)' },
      { path: 'source.server_id', message: 'expected integer 1..4294967295, got 0' },
      { path: 'source.include[0]', message: 'expected a db.table glob such as "shop.*" (wildcards * and ?), got "shop"' },
      { path: 'source.connect_timeout_ms', message: 'expected integer 1..86400000, got 1.5' },
      { path: 'kafka.brokers[0]', message: 'expected "host:port", got "nohost"' },
      { path: 'kafka.tombstones', message: 'expected true or false, got "yes"' },
      { path: 'kafka.compression', message: 'expected one of "none", "gzip", "snappy", "lz4", "zstd", got "brotli"' },
      { path: 'kafka.max_message_bytes', message: 'expected integer 1024..2147483647, got 100' },
      { path: 'kafka.oversized', message: 'expected one of "fail", "skip", "truncate", got "drop"' },
      {
        path: 'routes[1].topic',
        message: 'expected a Kafka topic name (1-249 of letters, digits, ".", "_", "-"), got "bad topic"',
      },
      { path: 'checkpoint.store', message: 'expected one of "kafka", "mysql", "file", got "s3"' },
      { path: 'snapshot.mode', message: 'expected one of "initial", "never", "when_needed", got 1' },
      { path: 'snapshot.parallelism', message: 'expected integer 1..64, got 0' },
    ]);
  });

  it('reports missing required sections and keys', () => {
    assert.deepEqual(issuesOf('[kafka]\nbrokers = []\n'), [
      { path: 'name', message: 'missing required key (expected a pipeline name of letters, digits, ".", "_", "-")' },
      { path: 'source', message: 'missing required key (expected a table [source])' },
      { path: 'kafka.brokers', message: 'expected at least one "host:port", got an empty array' },
    ]);
  });

  it('says when a table is given a plain value', () => {
    assert.deepEqual(issuesOf(`${MINIMAL.replace('[source]', 'snapshot = 3\n[source]')}`), [
      { path: 'snapshot', message: 'expected a table [snapshot], got 3' },
    ]);
  });

  it('accepts IPv6 and named brokers and rejects ports out of range', () => {
    const ok = parseConfig(MINIMAL.replace('"127.0.0.1:9092"', '"[::1]:9092", "kafka-1.internal:65535"'), undefined, {});
    assert.deepEqual(ok.kafka.brokers, ['[::1]:9092', 'kafka-1.internal:65535']);
    assert.deepEqual(issuesOf(MINIMAL.replace('"127.0.0.1:9092"', '"k:65536", "k:0"')), [
      { path: 'kafka.brokers[0]', message: 'expected "host:port", got "k:65536"' },
      { path: 'kafka.brokers[1]', message: 'expected "host:port", got "k:0"' },
    ]);
  });

  it('refuses a batch larger than the in-flight bound', () => {
    assert.deepEqual(issuesOf(`${MINIMAL}max_in_flight_messages = 100\nbatch_max_messages = 101\n`), [
      {
        path: 'kafka.batch_max_messages',
        message: 'must not exceed kafka.max_in_flight_messages (100), or a batch could never be sent, got 101',
      },
    ]);
  });

  it('reports a TOML syntax error with line and column', () => {
    const issues = issuesOf('name = "shop"\nport = \n');
    assert.equal(issues.length, 1);
    assert.equal(issues[0]?.path, '');
    assert.match(issues[0]?.message ?? '', /^TOML syntax error at line 2, column 8: invalid value\n/);
  });

  it('says what a TOML date-time was where a string belongs', () => {
    assert.deepEqual(issuesOf(MINIMAL.replace('user = "tributary"', 'user = 1979-05-27T07:32:00Z')), [
      { path: 'source.user', message: 'expected a non-empty user name, got the date-time 1979-05-27T07:32:00.000Z' },
    ]);
  });
});

describe('parseConfig environment interpolation', () => {
  it('reads ${VAR} in any string value, including inside arrays', () => {
    const c = parseConfig(
      MINIMAL.replace('user = "tributary"', 'user = "${U}"\npassword = "p-${P}-q"').replace('"127.0.0.1:9092"', '"${B}:9092"'),
      undefined,
      { U: 'alice', P: 's3cret', B: 'kafka' },
    );
    assert.equal(c.source.user, 'alice');
    assert.equal(c.source.password, 'p-s3cret-q');
    assert.deepEqual(c.kafka.brokers, ['kafka:9092']);
  });

  it('names the key and the variable when a variable is unset, and only that', () => {
    assert.deepEqual(issuesOf(MINIMAL.replace('user = "tributary"', 'user = "${DB_USER}"\npassword = "${DB_PASS}"')), [
      {
        path: 'source.user',
        message: 'environment variable DB_USER is not set (set it, or write ${DB_USER:-default} for a fallback)',
      },
      {
        path: 'source.password',
        message: 'environment variable DB_PASS is not set (set it, or write ${DB_PASS:-default} for a fallback)',
      },
    ]);
  });

  it('uses ${VAR:-default} when the variable is unset or empty', () => {
    const text = MINIMAL.replace('user = "tributary"', 'user = "${U:-bob}"\npassword = "${P:-}"');
    assert.equal(parseConfig(text, undefined, {}).source.user, 'bob');
    assert.equal(parseConfig(text, undefined, { U: '' }).source.user, 'bob');
    assert.equal(parseConfig(text, undefined, { U: 'carol' }).source.user, 'carol');
    assert.equal(parseConfig(text, undefined, { P: 'x' }).source.password, 'x');
    assert.equal(parseConfig(text, undefined, {}).source.password, '');
  });

  it('keeps $${ as a literal ${', () => {
    // A function replacement: in a replacement string `$$` would itself collapse to `$`.
    const c = parseConfig(MINIMAL.replace('user = "tributary"', () => 'user = "u"\npassword = "a$${B}c"'), undefined, {});
    assert.equal(c.source.password, 'a${B}c');
  });

  it('reports malformed references', () => {
    assert.deepEqual(issuesOf(MINIMAL.replace('user = "tributary"', 'user = "${1X}"\npassword = "ab${C"')), [
      {
        path: 'source.user',
        message: '"${1X}" is not a variable reference; use ${NAME} or ${NAME:-default} with NAME of letters, digits and "_"',
      },
      { path: 'source.password', message: 'unterminated "${" (write "$${" for a literal "${")' },
    ]);
  });

  it('does not read the environment in keys or comments', () => {
    const c = parseConfig(`${MINIMAL}# \${NOT_SET} in a comment\n`, undefined, {});
    assert.equal(c.name, 'shop');
  });
});

describe('parseConfig [registry]', () => {
  it('fills the defaults of a registry section', () => {
    const c = parseConfig(`${MINIMAL}[registry]\nurl = "http://127.0.0.1:18081/apis/ccompat/v7"\n`, undefined, {});
    assert.deepEqual(c.registry, {
      url: 'http://127.0.0.1:18081/apis/ccompat/v7',
      subject_strategy: 'topic',
      auto_register: true,
      retry_max_ms: 300_000,
      request_timeout_ms: 10_000,
    });
    assert.equal(parseConfig(MINIMAL, undefined, {}).registry, undefined);
  });

  it('refuses a bad url, an unknown strategy, half of basic auth and of a client certificate', () => {
    const bad = issuesOf(`${MINIMAL}[registry]\nurl = "ftp://x"\nsubject_strategy = "name"\n`);
    assert.deepEqual(bad.map((i) => i.path).sort(), ['registry.subject_strategy', 'registry.url']);
    const half = issuesOf(`${MINIMAL}[registry]\nurl = "https://r:8081"\nusername = "u"\n[registry.tls]\ncert = "c.pem"\n`);
    assert.deepEqual(half.map((i) => i.path).sort(), ['registry.password', 'registry.tls.key']);
  });

  it('points the TLS keys of earlier versions at registry.tls', () => {
    const moved = issuesOf(`${MINIMAL}[registry]\nurl = "https://r:8081"\nca_file = "ca.pem"\nreject_unauthorized = false\n`);
    assert.deepEqual(moved, [
      { path: 'registry.ca_file', message: 'unknown key (moved to registry.tls.ca)' },
      { path: 'registry.reject_unauthorized', message: 'unknown key (moved to registry.tls.check_hostname (the CA is always checked; set registry.tls.ca to yours))' },
    ]);
  });
});

describe('parseConfig security: [kafka.tls], [kafka.sasl], [source.tls]', () => {
  it('has no Kafka TLS or SASL unless asked, and the source connects in plain text by default', () => {
    const c = parseConfig(MINIMAL, undefined, {});
    assert.equal(c.kafka.tls, undefined);
    assert.equal(c.kafka.sasl, undefined);
    assert.deepEqual(c.source.tls, { mode: 'disabled' });
  });

  it('turns TLS on with the table, checks host names unless told not to, and reads a ${VAR} password', () => {
    const c = parseConfig(
      `${MINIMAL}[kafka.tls]\nca = "ca.pem"\n[kafka.sasl]\nmechanism = "scram-sha-512"\nusername = "u"\npassword = "\${KAFKA_PASSWORD}"\n`,
      undefined,
      { KAFKA_PASSWORD: 's3cret' },
    );
    assert.deepEqual(c.kafka.tls, { enabled: true, ca: 'ca.pem', check_hostname: true });
    assert.deepEqual(c.kafka.sasl, { mechanism: 'scram-sha-512', username: 'u', password: 's3cret' });
  });

  it('refuses an unknown mechanism, SASL without a password, half a client certificate', () => {
    const bad = issuesOf(`${MINIMAL}[kafka.sasl]\nmechanism = "gssapi"\nusername = "u"\n`);
    assert.deepEqual(bad.map((i) => i.path).sort(), ['kafka.sasl.mechanism', 'kafka.sasl.password']);
    assert.deepEqual(issuesOf(`${MINIMAL}[kafka.tls]\nkey = "k.pem"\n`).map((i) => i.path), ['kafka.tls.cert']);
  });

  it('refuses source TLS files the mode would not use, and an unknown mode', () => {
    assert.deepEqual(issuesOf(`${MINIMAL}[source.tls]\nmode = "required"\nca = "ca.pem"\n`).map((i) => i.path), ['source.tls.ca']);
    assert.deepEqual(issuesOf(`${MINIMAL}[source.tls]\ncert = "c.pem"\nkey = "k.pem"\n`).map((i) => i.path), ['source.tls.cert']);
    assert.deepEqual(issuesOf(`${MINIMAL}[source.tls]\nmode = "verify-full"\n`).map((i) => i.path), ['source.tls.mode']);
    const ok = parseConfig(`${MINIMAL}[source.tls]\nmode = "verify_identity"\nca = "ca.pem"\ncert = "c.pem"\nkey = "k.pem"\n`, undefined, {});
    assert.deepEqual(ok.source.tls, { mode: 'verify_identity', ca: 'ca.pem', cert: 'c.pem', key: 'k.pem' });
  });
});

it('snapshot.watermarks = "gtid" gets a signal topic of its own unless one is named', () => {
  const base = 'name = "shop"\n[source]\nuser = "u"\nserver_id = 7\n[kafka]\nbrokers = ["k:9092"]\n';
  assert.equal(parseConfig(`${base}[snapshot]\nwatermarks = "gtid"\n`).snapshot.signal_topic, 'shop._signals');
  assert.equal(parseConfig(`${base}topic_prefix = "p"\n[snapshot]\nwatermarks = "gtid"\n`).snapshot.signal_topic, 'p._signals');
  assert.equal(parseConfig(`${base}[snapshot]\nwatermarks = "gtid"\nsignal_topic = "sig"\n`).snapshot.signal_topic, 'sig');
  assert.equal(parseConfig(`${base}[snapshot]\nsignal_topic = "sig"\n`).snapshot.watermarks, 'table');
  assert.equal(parseConfig(base).snapshot.signal_topic, undefined);
});

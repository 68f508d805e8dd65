/**
 * Kafka over TLS and SASL, against a real SASL_SSL listener of a broker of this test's own
 * (kafka.sh with KAFKA_SASL_SSL_PORT: a throwaway CA, a client certificate the listener
 * requires, SCRAM users made by kafka-storage format, a PLAIN user in JAAS). Pipelines run as
 * `tributary start` child processes at --log-level debug, passwords given as ${VAR}, so
 * their whole output can be searched for the secrets afterwards.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { ownDatabase } from '../../support/stack.js';
import { testPipelineConfig, waitFor, type TestPipelineConfig } from '../../support/pipeline-harness.js';
import { RecordedRuns } from '../../support/recorded-runs.js';
import { readDecoded } from '../../support/topic-reader.js';
import { DedicatedKafka, SASL_USERS } from '../../support/dedicated-kafka.js';

const broker = new DedicatedKafka({ port: 19592, controllerPort: 19593, saslSslPort: 19594, stackDir: '.stack/t-security' });
const SECURE = broker.saslSslBroker!;
const WRONG_PASSWORD = 'wrong-scram-password-5c1e';
/** Every secret any process of this file was given; none may appear in what they print. */
const SECRETS = [SASL_USERS.scramPassword, SASL_USERS.plainPassword, WRONG_PASSWORD];
const runs = new RecordedRuns();
let db: Awaited<ReturnType<typeof ownDatabase>>;

interface Security {
  mechanism?: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  ca?: string;
  checkHostname?: boolean;
  withClientCert?: boolean;
}

/** [kafka.tls] and [kafka.sasl] as a user writes them; the password comes from $T_KAFKA_PASSWORD. */
function securityToml(s: Security = {}): string {
  const tls = [
    '[kafka.tls]',
    `ca = ${JSON.stringify(join(broker.tlsDir, s.ca ?? 'ca.pem'))}`,
    ...(s.withClientCert === false ? [] : [`cert = ${JSON.stringify(join(broker.tlsDir, 'client.pem'))}`, `key = ${JSON.stringify(join(broker.tlsDir, 'client.key'))}`]),
    ...(s.checkHostname === false ? ['check_hostname = false'] : []),
  ];
  const sasl = ['[kafka.sasl]', `mechanism = "${s.mechanism ?? 'scram-sha-512'}"`, `username = "${SASL_USERS.username}"`, 'password = "${T_KAFKA_PASSWORD}"'];
  return [...tls, ...sasl].join('\n');
}

function secureConfig(options: { brokers?: string[]; security?: Security; kafka?: Record<string, string | number | boolean>; checkpoint?: Record<string, string | number | boolean>; extra?: string }): TestPipelineConfig {
  return testPipelineConfig({
    db: db.name,
    brokers: options.brokers ?? [SECURE],
    kafka: { ...options.kafka },
    ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
    extra: `${options.extra ?? ''}\n${securityToml(options.security)}`,
  });
}

const env = (password: string): NodeJS.ProcessEnv => ({ T_KAFKA_PASSWORD: password });

/** What reached a topic, read over the broker's PLAINTEXT listener: a check independent of the client under test. */
async function afterValues(cfg: TestPipelineConfig, table: string): Promise<{ op: string; after: Record<string, unknown> | null; before: Record<string, unknown> | null }[]> {
  const records = await readDecoded(broker.client(), cfg.schemasTopic, [cfg.topicFor(table)]);
  return records.filter((r) => r.value !== null).map((r) => ({ op: r.value!.op, after: r.value!.after, before: r.value!.before }));
}

describe('Kafka over TLS and SASL (a SASL_SSL listener of a broker of its own)', { timeout: 300_000 }, () => {
  before(async () => {
    await broker.up();
    db = await ownDatabase('t_ksec');
  });
  after(async () => {
    runs.killAll();
    await db?.drop();
    await broker.down();
    broker.remove();
  });

  it('streams rows over SCRAM-SHA-512 with the Kafka checkpoint store; status and tail (PLAIN, host name check off) read them back', async () => {
    await db.conn.query('CREATE TABLE a (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL)');
    await db.conn.query("INSERT INTO a VALUES (1, 'snap-one'), (2, 'snap-two')");
    const cfg = secureConfig({ checkpoint: { store: 'kafka', topic: `${db.name}_checkpoints` } });
    const child = await runs.streaming(cfg, env(SASL_USERS.scramPassword));
    // The snapshot's rows first, so that the changes below cannot fall inside its chunk window.
    await waitFor(async () => (await afterValues(cfg, 'a')).length >= 2, 30_000);
    await db.conn.query("INSERT INTO a VALUES (3, 'streamed-three')");
    await db.conn.query("UPDATE a SET name = 'updated-one' WHERE id = 1");
    await waitFor(async () => (await afterValues(cfg, 'a')).length >= 4, 30_000);
    assert.deepEqual(await afterValues(cfg, 'a'), [
      { op: 'r', before: null, after: { id: 1, name: 'snap-one' } },
      { op: 'r', before: null, after: { id: 2, name: 'snap-two' } },
      { op: 'c', before: null, after: { id: 3, name: 'streamed-three' } },
      { op: 'u', before: { id: 1, name: 'snap-one' }, after: { id: 1, name: 'updated-one' } },
    ]);
    await runs.stop(child);

    const status = await runs.toEnd(['status', '--config', cfg.file], env(SASL_USERS.scramPassword));
    assert.equal(status.code, 0, status.output);
    assert.match(status.output, new RegExp(`pipeline "${cfg.name}": checkpoint at `));

    // Another mechanism and a bootstrap name the certificate does not list, with the check off.
    const plain = testPipelineConfig({ db: db.name, brokers: ['127.1:19594'], extra: securityToml({ mechanism: 'plain', checkHostname: false }) });
    writeFileSync(plain.file, plain.toml.replace(/^topic_prefix = .*$/m, `topic_prefix = "${cfg.topicPrefix}"`).replace(/^schemas_topic = .*$/m, `schemas_topic = "${cfg.schemasTopic}"`));
    const tail = await runs.toEnd(['tail', '--config', plain.file, '--table', `${db.name}.a`, '--from-beginning', '--max', '4'], env(SASL_USERS.plainPassword));
    assert.equal(tail.code, 0, tail.output);
    const names = tail.output.trim().split('\n').map((l) => (JSON.parse(l) as { value: { after: { name: string } } }).value.after.name);
    assert.deepEqual(names, ['snap-one', 'snap-two', 'streamed-three', 'updated-one']);
  });

  it('streams over SCRAM-SHA-256 with a standby lease and truncate deletes (which read the topic back)', async () => {
    await db.conn.query('CREATE TABLE b (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL)');
    await db.conn.query("INSERT INTO b VALUES (1, 'v1'), (2, 'v2'), (3, 'v3')");
    const cfg = secureConfig({
      security: { mechanism: 'scram-sha-256' },
      kafka: { truncate_handling: 'deletes', tombstones: false },
      extra: `[standby]\nenabled = true\ntopic = "${db.name}_leases"`,
    });
    const child = await runs.streaming(cfg, env(SASL_USERS.scramPassword));
    await waitFor(async () => (await afterValues(cfg, 'b')).length >= 3, 30_000);
    await db.conn.query('TRUNCATE TABLE b');
    await waitFor(async () => (await afterValues(cfg, 'b')).length >= 6, 30_000);
    const values = await afterValues(cfg, 'b');
    assert.deepEqual(values.slice(0, 3), [1, 2, 3].map((id) => ({ op: 'r', before: null, after: { id, v: `v${id}` } })));
    assert.deepEqual(
      values.slice(3).sort((x, y) => Number(x.before!.id) - Number(y.before!.id)),
      [1, 2, 3].map((id) => ({ op: 'd', before: { id, v: `v${id}` }, after: null })),
    );
    await runs.stop(child);
  });

  const refusals: { name: string; password: string; brokers?: string[]; security?: Security; names: RegExp }[] = [
    { name: 'a wrong SCRAM password', password: WRONG_PASSWORD, names: /kafka\.sasl\.password/ },
    { name: 'a CA that did not sign the broker certificate', password: SASL_USERS.scramPassword, security: { ca: 'other-ca.pem' }, names: /kafka\.tls\.ca\b/ },
    { name: 'a host name the certificate does not list', password: SASL_USERS.scramPassword, brokers: ['127.1:19594'], names: /kafka\.tls\.check_hostname/ },
    { name: 'no client certificate where the listener requires one', password: SASL_USERS.scramPassword, security: { withClientCert: false }, names: /kafka\.tls\.cert and kafka\.tls\.key/ },
  ];
  for (const r of refusals) {
    it(`${r.name}: start stops at once, naming the setting to fix`, async () => {
      // A long retry_max_ms: an error treated as an outage would keep the process running past the bound below.
      const cfg = secureConfig({ brokers: r.brokers ?? [SECURE], security: r.security ?? {}, kafka: { retry_max_ms: 120_000 } });
      const result = await runs.toEnd(['start', '--config', cfg.file, '--log-level', 'debug'], env(r.password), 45_000);
      assert.equal(result.code, 1, result.output);
      assert.match(result.output, r.names);
      assert.doesNotMatch(result.output, /outage|retrying/i, 'a security failure is not an outage');
    });
  }

  it('no password given to any process above appears in anything it printed', () => {
    assert.equal(runs.count, 8, 'every run above is recorded');
    runs.assertNoSecrets(SECRETS);
  });
});

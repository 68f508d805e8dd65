/**
 * [registry.tls] against the real registry over https: a registry of this file's own
 * (scripts/stack/registry.sh with REGISTRY_TLS_PORT, certificates from tls-certs.sh). Rows
 * published over https decode with @kafkajs/confluent-schema-registry (over the same
 * registry's http port: that client takes no CA), `tributary tail` reads them over https,
 * and a CA that did not sign the server's certificate or a host name the certificate does
 * not list stop the pipeline at once, naming the key to fix.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { deleteTopics, ownDatabase, testKafka } from '../../../support/stack.js';
import { readTopics, type RawRecord } from '../../../support/topic-reader.js';
import { runPipeline, spawnTributary, testPipelineConfig, waitFor } from '../../../support/pipeline-harness.js';
import { frameSchemaId, RegistryRelay, registryDecoder } from '../../../support/registry.js';
import { DedicatedRegistry } from '../../../support/dedicated-registry.js';

const registry = new DedicatedRegistry({ port: 18091, managementPort: 18092, tlsPort: 18093, stackDir: '.stack/t-regtls' });

before(async () => {
  await registry.up();
});
after(async () => {
  await registry.down();
  registry.remove();
});

function registryToml(url: string, tls: Record<string, string | boolean>, extra: Record<string, number> = {}): string {
  const entries = (o: Record<string, unknown>): string[] => Object.entries(o).map(([k, v]) => `${k} = ${JSON.stringify(v)}`);
  return ['[registry]', ...entries({ url, retry_max_ms: 20_000, ...extra }), '[registry.tls]', ...entries(tls)].join('\n');
}

/** avsc decodes records as class instances; compared as plain objects. */
function plain(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return v;
  if (Array.isArray(v)) return v.map(plain);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
}

test('registry over https with registry.tls.ca: rows decode with a Confluent client, ids are the registry\'s, and tail reads them over https', async (t) => {
  const db = await ownDatabase('t_regtls');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, extra: registryToml(registry.httpsUrl, { ca: join(registry.tlsDir, 'ca.pem') }) });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE s (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL)');
  const topic = cfg.topicFor('s');
  let raw: RawRecord[] = [];
  const pipeline = await runPipeline(cfg);
  try {
    assert.ok(pipeline.logs.some((l) => l.includes(`schema registry at ${registry.httpsUrl}`)), pipeline.logs.join(''));
    await db.conn.query("INSERT INTO s VALUES (1, 'one'), (2, 'two')");
    await db.conn.query("UPDATE s SET name = 'uno' WHERE id = 1");
    await waitFor(async () => (raw = await readTopics(kafka, [topic])).length >= 3, 30_000, () => `${raw.length} of 3 records`);
  } finally {
    await pipeline.stop();
  }
  const decoder = registryDecoder(registry.url);
  const got: unknown[] = [];
  for (const r of raw) {
    const value = plain(await decoder.decode(r.value!)) as { op: string; before: unknown; after: unknown };
    got.push([plain(await decoder.decode(r.key!)), value.op, value.before, value.after]);
  }
  assert.deepEqual(got, [
    [{ id: 1 }, 'c', null, { id: 1, name: 'one' }],
    [{ id: 2 }, 'c', null, { id: 2, name: 'two' }],
    [{ id: 1 }, 'u', { id: 1, name: 'one' }, { id: 1, name: 'uno' }],
  ]);
  // The ids in the frames are the ones this registry (not the shared one) gave the subjects.
  const value = await registry.api<{ id: number }>(`subjects/${topic}-value/versions/1`);
  const key = await registry.api<{ id: number }>(`subjects/${topic}-key/versions/1`);
  assert.deepEqual(raw.map((r) => [frameSchemaId(r.key!), frameSchemaId(r.value!)]), [[key.id, value.id], [key.id, value.id], [key.id, value.id]]);

  const tail = spawnTributary(['tail', '--config', cfg.file, '--topic', topic, '--from-beginning']);
  const code = await tail.exited;
  const output = tail.output();
  assert.equal(code, 0, output);
  const lines = output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { key: unknown; value: { op: string; after: unknown } });
  assert.deepEqual(lines.map((l) => [l.key, l.value.op, l.value.after]), [
    [{ id: 1 }, 'c', { id: 1, name: 'one' }],
    [{ id: 2 }, 'c', { id: 2, name: 'two' }],
    [{ id: 1 }, 'u', { id: 1, name: 'uno' }],
  ], output);
});

test('registry over https: a CA that did not sign the registry\'s certificate stops the pipeline at once, naming registry.tls.ca', async (t) => {
  const db = await ownDatabase('t_regtlsca');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, extra: registryToml(registry.httpsUrl, { ca: join(registry.tlsDir, 'other-ca.pem') }, { retry_max_ms: 60_000 }) });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  const started = Date.now();
  const pipeline = await runPipeline(cfg);
  await assert.rejects(pipeline.done, (err: Error & { code?: string; fix?: string; retriable?: boolean }) => {
    assert.equal(err.code, 'TLS_UNTRUSTED');
    assert.equal(err.retriable, false);
    assert.equal(
      err.message,
      `TLS to the schema registry at ${registry.httpsUrl} failed while trying to read the global configuration: the server's certificate is not signed by a trusted CA (UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate)`,
    );
    assert.equal(err.fix, "set registry.tls.ca to the PEM file of the CA that signed the server's certificate");
    return true;
  });
  // Not an outage: registry.retry_max_ms (60 s) was not waited out.
  assert.ok(Date.now() - started < 10_000, `stopped after ${Date.now() - started} ms`);
  assert.equal(pipeline.logs.some((l) => l.includes('schema registry unavailable')), false, pipeline.logs.join(''));
});

test('registry over https: a host name the certificate does not list stops the pipeline at once, naming registry.tls.check_hostname; check_hostname = false connects', async (t) => {
  const db = await ownDatabase('t_regtlshost');
  const kafka = testKafka();
  // The certificate lists 127.0.0.1 and localhost; ::1 reaches the same listener through a relay.
  const relay = new RegistryRelay(await RegistryRelay.freePort(), registry.tlsPort, '::1');
  await relay.open();
  t.after(() => relay.close());
  const url = `https://[::1]:${relay.port}/apis/ccompat/v7`;
  const ca = join(registry.tlsDir, 'ca.pem');
  const strict = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, extra: registryToml(url, { ca }, { retry_max_ms: 60_000 }) });
  const lax = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, extra: registryToml(url, { ca, check_hostname: false }) });
  t.after(async () => {
    await deleteTopics(kafka, strict.name);
    await deleteTopics(kafka, lax.name);
    await db.drop();
  });
  const started = Date.now();
  const pipeline = await runPipeline(strict);
  await assert.rejects(pipeline.done, (err: Error & { code?: string; fix?: string; retriable?: boolean }) => {
    assert.equal(err.code, 'TLS_HOSTNAME');
    assert.equal(err.retriable, false);
    assert.match(err.message, /^TLS to the schema registry at https:\/\/\[::1\]:\d+\/apis\/ccompat\/v7 failed while trying to read the global configuration: the server's certificate is not for the host name connected to \(.*IP: ::1 is not in the cert's list: 127\.0\.0\.1\)$/);
    assert.match(err.fix ?? '', /registry\.tls\.check_hostname = false skips the check \(the chain is still verified\)$/);
    return true;
  });
  assert.ok(Date.now() - started < 10_000, `stopped after ${Date.now() - started} ms`);

  // The chain is still verified without the name: rows go out over the same relay.
  await db.conn.query('CREATE TABLE h (id INT PRIMARY KEY)');
  const running = await runPipeline(lax);
  let raw: RawRecord[] = [];
  try {
    await db.conn.query('INSERT INTO h VALUES (7)');
    await waitFor(async () => (raw = await readTopics(kafka, [lax.topicFor('h')])).length >= 1, 30_000, () => running.logs.join(''));
  } finally {
    await running.stop();
  }
  const decoded = plain(await registryDecoder(registry.url).decode(raw[0]!.value!)) as { after: unknown };
  assert.deepEqual(decoded.after, { id: 7 });
});

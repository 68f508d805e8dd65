/**
 * The source over TLS, against real TLS listeners: a MariaDB of this test's own (mariadb.sh
 * with MARIADB_TLS=1: certificates of a throwaway CA, a user created REQUIRE SSL, so a
 * login over plain text is refused), and the shared source server (MySQL 9.7 serves TLS
 * with its auto-generated certificates; the shared MariaDB serves none). Pipelines run as
 * `tributary start` child processes, the password given as ${VAR}, and everything they print
 * is searched for the passwords at the end.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type mysql from 'mysql2/promise';
import { ON_MYSQL, SOURCE, ownDatabase, testKafka, uniqueName } from '../../support/stack.js';
import { testPipelineConfig, waitFor, type TestPipelineConfig } from '../../support/pipeline-harness.js';
import { readDecoded } from '../../support/topic-reader.js';
import { DedicatedMariadb, TLS_USER } from '../../support/dedicated-mariadb.js';
import { RecordedRuns } from '../../support/recorded-runs.js';

const WRONG_PASSWORD = 'wrong-mysql-password-9d2b';
const runs = new RecordedRuns();
const env = (password: string): NodeJS.ProcessEnv => ({ T_MYSQL_PASSWORD: password });

interface SourceTls {
  mode: string;
  ca?: string;
}

function config(options: { db: string; host?: string; port: number; user: string; tls: SourceTls; checkpoint?: Record<string, string>; retryMaxMs?: number }): TestPipelineConfig {
  const tls = ['[source.tls]', `mode = "${options.tls.mode}"`, ...(options.tls.ca ? [`ca = ${JSON.stringify(options.tls.ca)}`] : [])].join('\n');
  return testPipelineConfig({
    db: options.db,
    source: { host: options.host ?? '127.0.0.1', port: options.port, user: options.user, password: '${T_MYSQL_PASSWORD}', retry_max_ms: options.retryMaxMs ?? 5_000 },
    ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
    extra: tls,
  });
}

async function afterValues(cfg: TestPipelineConfig, table: string): Promise<{ op: string; after: Record<string, unknown> | null }[]> {
  const records = await readDecoded(testKafka(), cfg.schemasTopic, [cfg.topicFor(table)]);
  return records.filter((r) => r.value !== null).map((r) => ({ op: r.value!.op, after: r.value!.after }));
}

/** Streams a snapshot row and a binlog row of a new table, and checks both arrive exactly. */
async function streamsRows(conn: mysql.Connection, cfg: TestPipelineConfig, password: string): Promise<void> {
  await conn.query('CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(30) NOT NULL)');
  await conn.query("INSERT INTO t VALUES (1, 'before-start')");
  const child = await runs.streaming(cfg, env(password));
  await waitFor(async () => (await afterValues(cfg, 't')).length >= 1, 30_000);
  await conn.query("INSERT INTO t VALUES (2, 'over-the-binlog')");
  await waitFor(async () => (await afterValues(cfg, 't')).length >= 2, 30_000);
  assert.deepEqual(await afterValues(cfg, 't'), [
    { op: 'r', after: { id: 1, name: 'before-start' } },
    { op: 'c', after: { id: 2, name: 'over-the-binlog' } },
  ]);
  await runs.stop(child);
}

/** `start` must stop at once (a long retry_max_ms would show an error taken for an outage) naming `names`. */
async function refused(cfg: TestPipelineConfig, password: string, names: RegExp): Promise<void> {
  const result = await runs.toEnd(['start', '--config', cfg.file, '--log-level', 'debug'], env(password), 45_000);
  assert.equal(result.code, 1, result.output);
  assert.match(result.output, names);
  assert.doesNotMatch(result.output, /outage|retrying/i, 'a TLS or login failure is not an outage');
}

describe('the source over TLS: a MariaDB of its own, TLS required for the user', { skip: ON_MYSQL ? 'the dedicated MariaDB does not depend on the source under test; once is enough' : false, timeout: 300_000 }, () => {
  const server = new DedicatedMariadb({ instance: 'tls', port: 3313, serverId: 13, tls: true });
  let admin: mysql.Connection;
  let db: string;
  const ca = (): string => join(server.tlsDir, 'ca.pem');
  const secure = (over: Partial<Parameters<typeof config>[0]> = {}): TestPipelineConfig =>
    config({ db, port: server.port, user: TLS_USER.user, tls: { mode: 'verify_identity', ca: ca() }, ...over });

  before(async () => {
    await server.up();
    db = uniqueName('t_tls');
    admin = await server.connect();
    await admin.query(`CREATE DATABASE \`${db}\``);
    await admin.query(`USE \`${db}\``);
  });
  after(async () => {
    runs.killAll();
    await admin?.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await admin?.end();
    await server.down();
  });

  it('streams the snapshot and the binlog with verify_identity, the mysql checkpoint store too', async () => {
    const cfg = secure({ checkpoint: { store: 'mysql' } });
    await streamsRows(admin, cfg, TLS_USER.password);
    const status = await runs.toEnd(['status', '--config', cfg.file], env(TLS_USER.password));
    assert.equal(status.code, 0, status.output);
    assert.match(status.output, new RegExp(`pipeline "${cfg.name}": checkpoint at `));
  });

  it('verify_ca accepts a name the certificate does not list; preferred finds the TLS the server offers', async () => {
    for (const tls of [{ mode: 'verify_ca', ca: ca() }, { mode: 'preferred' }, { mode: 'required' }]) {
      const cfg = secure({ host: tls.mode === 'verify_ca' ? '127.1' : '127.0.0.1', tls });
      const result = await runs.toEnd(['validate', '--config', cfg.file], env(TLS_USER.password));
      assert.equal(result.code, 0, `${tls.mode}: ${result.output}`);
      assert.doesNotMatch(result.output, /skipped/i, `${tls.mode}: the server check ran`);
    }
  });

  const cases: [string, () => TestPipelineConfig, string, RegExp][] = [
    ['a wrong password', () => secure({ retryMaxMs: 120_000 }), WRONG_PASSWORD, /source\.password/],
    ['plain text for a user created REQUIRE SSL', () => secure({ tls: { mode: 'disabled' }, retryMaxMs: 120_000 }), TLS_USER.password, /source\.tls\.mode/],
    ['a CA that did not sign the server certificate', () => secure({ tls: { mode: 'verify_ca', ca: join(server.tlsDir, 'other-ca.pem') }, retryMaxMs: 120_000 }), TLS_USER.password, /set source\.tls\.ca to/],
    ['a host name the certificate does not list', () => secure({ host: '127.1', retryMaxMs: 120_000 }), TLS_USER.password, /source\.tls\.mode = "verify_ca"/],
  ];
  for (const [name, make, password, names] of cases) {
    it(`${name}: start stops at once, naming the setting to fix`, async () => {
      await refused(make(), password, names);
    });
  }
});

describe(`the shared source server (${ON_MYSQL ? 'MySQL 9.7, TLS with its auto-generated certificates' : 'MariaDB without TLS'})`, { timeout: 300_000 }, () => {
  let own: Awaited<ReturnType<typeof ownDatabase>>;
  // MySQL writes its auto-generated CA into its datadir.
  const mysqlCa = join(process.env.STACK_DIR ?? join(new URL('../../..', import.meta.url).pathname, '.stack'), 'mysql-main', 'data', 'ca.pem');
  const shared = (tls: SourceTls, retryMaxMs?: number): TestPipelineConfig =>
    config({ db: own.name, host: SOURCE.host, port: SOURCE.port, user: 'tributary', tls, ...(retryMaxMs ? { retryMaxMs } : {}) });

  before(async () => {
    own = await ownDatabase('t_tls_shared');
  });
  after(async () => {
    runs.killAll();
    await own?.drop();
  });

  it('streams rows with verify_ca (MySQL) or in plain text with preferred (MariaDB offers no TLS)', async () => {
    await streamsRows(own.conn, shared(ON_MYSQL ? { mode: 'verify_ca', ca: mysqlCa } : { mode: 'preferred' }), 'tributary');
  });

  it('required connects without checking the certificate (MySQL), or stops naming source.tls.mode (MariaDB)', async () => {
    if (ON_MYSQL) {
      const result = await runs.toEnd(['validate', '--config', shared({ mode: 'required' }).file], env('tributary'));
      assert.equal(result.code, 0, result.output);
      assert.doesNotMatch(result.output, /skipped/i, 'the server check ran');
    } else {
      await refused(shared({ mode: 'required' }, 120_000), 'tributary', /offers no TLS[\s\S]*source\.tls\.mode/);
    }
  });

  it('verify_identity refuses a certificate without the host name (MySQL\'s auto-generated one)', { skip: ON_MYSQL ? false : 'the shared MariaDB serves no TLS' }, async () => {
    await refused(shared({ mode: 'verify_identity', ca: mysqlCa }, 120_000), 'tributary', /source\.tls\.mode = "verify_ca"/);
  });
});

describe('no password given to a run above appears in what it printed', () => {
  it('holds for the REQUIRE SSL user and the wrong password', () => {
    assert.ok(runs.count >= (ON_MYSQL ? 3 : 9), `every run is recorded (${runs.count})`);
    runs.assertNoSecrets([TLS_USER.password, WRONG_PASSWORD]);
  });
});

/**
 * A MariaDB server of one test's own, started with scripts/stack/mariadb.sh as another
 * instance (its own datadir under the stack directory, its own port), so the test may
 * stop and restart it under a running pipeline without touching the shared server. Its
 * data survives down/up until destroy().
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';

const run = promisify(execFile);
const REPO = new URL('../..', import.meta.url).pathname;
const SCRIPT = join(REPO, 'scripts/stack/mariadb.sh');

export class DedicatedMariadb {
  readonly port: number;
  private readonly env: NodeJS.ProcessEnv;

  constructor(options: { instance: string; port: number; serverId: number }) {
    this.port = options.port;
    this.env = { ...process.env, MARIADB_INSTANCE: options.instance, MARIADB_PORT: String(options.port), MARIADB_SERVER_ID: String(options.serverId) };
  }

  async up(): Promise<void> {
    await this.script('up');
  }

  /** A clean shutdown (SIGTERM), as a server restart does it. */
  async down(): Promise<void> {
    await this.script('down');
  }

  async destroy(): Promise<void> {
    await this.script('destroy');
  }

  /** An admin connection (all privileges, multiple statements). */
  connect(database?: string): Promise<mysql.Connection> {
    return mysql.createConnection({
      host: '127.0.0.1',
      port: this.port,
      user: 'tributary_test',
      password: 'tributary_test',
      database,
      multipleStatements: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
  }

  private async script(command: 'up' | 'down' | 'destroy'): Promise<void> {
    try {
      await run('bash', [SCRIPT, command], { env: this.env, timeout: 120_000 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`mariadb.sh ${command} (port ${this.port}) failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  }
}

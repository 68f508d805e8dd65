/**
 * A source server of one test's own, started with a scripts/stack/ script as another
 * instance (its own datadir under the stack directory, its own port), so the test may stop,
 * restart or reconfigure it without touching the shared server. Its data survives down/up
 * until destroy(). DedicatedMariadb and DedicatedMysql say which script and settings.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';

const run = promisify(execFile);
const REPO = new URL('../..', import.meta.url).pathname;

export class DedicatedServer {
  constructor(
    /** `mariadb.sh` or `mysql.sh`. */
    private readonly script: string,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async up(): Promise<void> {
    await this.run('up');
  }

  /** A clean shutdown (SIGTERM), as a server restart does it. */
  async down(): Promise<void> {
    await this.run('down');
  }

  async destroy(): Promise<void> {
    await this.run('destroy');
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

  private async run(command: 'up' | 'down' | 'destroy'): Promise<void> {
    try {
      await run('bash', [join(REPO, 'scripts/stack', this.script), command], { env: { ...process.env, ...this.env }, timeout: 180_000 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`${this.script} ${command} (port ${this.port}) failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  }
}

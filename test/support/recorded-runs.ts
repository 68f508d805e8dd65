/**
 * `tributary` child processes whose whole output is kept, so that a test can search
 * everything they printed (at --log-level debug for `start`) for the secrets it gave them.
 */
import assert from 'node:assert/strict';
import { spawnTributary, waitFor, type TestPipelineConfig } from './pipeline-harness.js';

type Child = ReturnType<typeof spawnTributary>;

export class RecordedRuns {
  private readonly children: Child[] = [];
  private readonly outputs: string[] = [];

  /** Runs a command to its end (rejects past `withinMs`). */
  async toEnd(args: string[], env: NodeJS.ProcessEnv, withinMs = 60_000): Promise<{ code: number | null; output: string; ms: number }> {
    const started = Date.now();
    const child = this.spawn(args, env);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${args[0]} still running after ${withinMs} ms:\n${child.output()}`)), withinMs);
    });
    try {
      const code = await Promise.race([child.exited, timeout]);
      return { code, output: child.output(), ms: Date.now() - started };
    } finally {
      clearTimeout(timer);
    }
  }

  /** `start --log-level debug`; resolves once it streams the binlog. */
  async streaming(cfg: TestPipelineConfig, env: NodeJS.ProcessEnv): Promise<Child> {
    const child = this.spawn(['start', '--config', cfg.file, '--log-level', 'debug'], env);
    let exited = false;
    void child.exited.then(() => (exited = true));
    await waitFor(() => exited || child.output().includes('streaming the binlog'), 60_000, child.output);
    if (exited) throw new Error(`tributary exited before streaming:\n${child.output()}`);
    return child;
  }

  /** A graceful stop, which must exit 0. */
  async stop(child: Child): Promise<void> {
    child.child.kill('SIGTERM');
    assert.equal(await child.exited, 0, child.output());
  }

  /** How many runs were recorded. */
  get count(): number {
    return this.children.length;
  }

  /** Asserts that no secret appears in anything any run printed (nor in `more`, e.g. error messages). */
  assertNoSecrets(secrets: readonly string[], more: readonly string[] = []): void {
    const all = [...this.children.map((c) => c.output()), ...more].join('\n');
    for (const secret of secrets) assert.ok(!all.includes(secret), `a secret (${secret.length} characters) appears in the output of the runs`);
  }

  killAll(): void {
    for (const c of this.children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  }

  private spawn(args: string[], env: NodeJS.ProcessEnv): Child {
    const child = spawnTributary(args, env);
    this.children.push(child);
    return child;
  }
}

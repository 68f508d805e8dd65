/**
 * A schema registry of one test's own, started with scripts/stack/registry.sh on other
 * ports and another state directory, with its https listener (REGISTRY_TLS_PORT), so the
 * shared registry stays plain http. Storage is in memory: every up() is an empty registry.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { registryApiAt } from './registry.js';

const run = promisify(execFile);
const REPO = new URL('../..', import.meta.url).pathname;
const SCRIPT = join(REPO, 'scripts/stack/registry.sh');

export interface DedicatedRegistryOptions {
  port: number;
  managementPort: number;
  tlsPort: number;
  /** Under the repo's .stack/, e.g. `.stack/t-regtls`. */
  stackDir: string;
}

export class DedicatedRegistry {
  readonly stackDir: string;
  /** The Confluent API over plain http (for decoders that take no CA). */
  readonly url: string;
  /** The same API over https, certificate server.pem of tlsDir (127.0.0.1 and localhost). */
  readonly httpsUrl: string;
  readonly tlsPort: number;
  /** Where registry.sh put tls-certs.sh's CA, server, wrong-host, client and other-CA files. */
  readonly tlsDir: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(options: DedicatedRegistryOptions) {
    this.stackDir = join(REPO, options.stackDir);
    this.url = `http://127.0.0.1:${options.port}/apis/ccompat/v7`;
    this.httpsUrl = `https://127.0.0.1:${options.tlsPort}/apis/ccompat/v7`;
    this.tlsPort = options.tlsPort;
    this.tlsDir = join(this.stackDir, 'registry', 'tls');
    this.env = {
      ...process.env,
      STACK_DIR: this.stackDir,
      REGISTRY_PORT: String(options.port),
      REGISTRY_MANAGEMENT_PORT: String(options.managementPort),
      REGISTRY_TLS_PORT: String(options.tlsPort),
    };
  }

  async up(): Promise<void> {
    await this.script('up');
  }

  async down(): Promise<void> {
    await this.script('down');
  }

  /** Deletes the state directory (certificates, log); call after down(). */
  remove(): void {
    if (!this.stackDir.startsWith(join(REPO, '.stack') + '/')) throw new Error(`refusing to remove ${this.stackDir}`);
    rmSync(this.stackDir, { recursive: true, force: true });
  }

  /** A call to the REST API over http; throws on a non-2xx answer. */
  api<T = unknown>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    return registryApiAt<T>(this.url, path, init);
  }

  private async script(command: 'up' | 'down'): Promise<void> {
    try {
      await run('bash', [SCRIPT, command], { env: this.env, timeout: 120_000 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`registry.sh ${command} (${this.url}, ${this.stackDir}) failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  }
}

/**
 * A Kafka broker of one test's own, started with scripts/stack/kafka.sh on other ports
 * and another state directory, so the test may stop and restart it without touching the
 * shared broker. Its data survives down/up (same state directory) until remove().
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';

const run = promisify(execFile);
const REPO = new URL('../..', import.meta.url).pathname;
const SCRIPT = join(REPO, 'scripts/stack/kafka.sh');

export interface DedicatedKafkaOptions {
  port: number;
  controllerPort: number;
  /** Under the repo's .stack/, e.g. `.stack/t-outage`. */
  stackDir: string;
  /** A SASL_SSL listener too (kafka.sh KAFKA_SASL_SSL_PORT): certificates in `tlsDir`, users in SASL_USERS. */
  saslSslPort?: number;
}

/** The SASL users kafka.sh creates for its SASL_SSL listener (its defaults). */
export const SASL_USERS = {
  username: 'tributary',
  scramPassword: 'tributary-scram-secret',
  plainPassword: 'tributary-plain-secret',
} as const;

export class DedicatedKafka {
  readonly brokers: string[];
  readonly stackDir: string;
  /** `host:port` of the SASL_SSL listener, when there is one. */
  readonly saslSslBroker: string | null;
  /** Where kafka.sh put the CA, server, wrong-host, client and other-CA certificates (tls-certs.sh). */
  readonly tlsDir: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(options: DedicatedKafkaOptions) {
    this.brokers = [`127.0.0.1:${options.port}`];
    this.stackDir = join(REPO, options.stackDir);
    this.saslSslBroker = options.saslSslPort ? `127.0.0.1:${options.saslSslPort}` : null;
    this.tlsDir = join(this.stackDir, 'kafka', 'tls');
    this.env = {
      ...process.env,
      KAFKA_PORT: String(options.port),
      KAFKA_CONTROLLER_PORT: String(options.controllerPort),
      STACK_DIR: this.stackDir,
      ...(options.saslSslPort ? { KAFKA_SASL_SSL_PORT: String(options.saslSslPort) } : {}),
    };
  }

  /** Starts the broker (formats its storage the first time) and waits until it answers. */
  async up(): Promise<void> {
    await this.script('up');
  }

  /** Stops the broker (SIGTERM, then SIGKILL after ~20 s); harmless when it is not running. */
  async down(): Promise<void> {
    await this.script('down');
  }

  /** Deletes the broker's state directory; call after down(). */
  remove(): void {
    if (!this.stackDir.startsWith(join(REPO, '.stack') + '/')) throw new Error(`refusing to remove ${this.stackDir}`);
    rmSync(this.stackDir, { recursive: true, force: true });
  }

  client(clientId = 'tributary-test-dedicated'): Kafka {
    return new Kafka({ clientId, brokers: this.brokers, logLevel: logLevel.NOTHING });
  }

  private async script(command: 'up' | 'down'): Promise<void> {
    try {
      await run('bash', [SCRIPT, command], { env: this.env, timeout: 120_000 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`kafka.sh ${command} (${this.brokers[0]}, ${this.stackDir}) failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  }
}

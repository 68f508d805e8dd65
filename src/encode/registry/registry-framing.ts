import { TributaryError, asTributaryError } from '../../errors/tributary-error.js';
import type { Logger } from '../../logger.js';
import type { OutageLog } from '../../observe/outage-log.js';
import { describeSchemaChange } from './schema-change.js';
import { RegistryHttpError, type SchemaRegistryClient } from './schema-registry-client.js';
import { CONFLUENT_HEADER_LENGTH, type RegisteredSchema, type SchemaRegistration } from './schema-registration.js';
import { recordFullName, subjectName, type SubjectStrategy } from './subject-name.js';

const REGISTRY = 'schema registry';

export interface RegistryFramingOptions {
  client: SchemaRegistryClient;
  strategy: SubjectStrategy;
  /** false: only look schemas up, and fail when one is not registered. */
  autoRegister: boolean;
  topicFor(db: string, table: string): string;
  outages: OutageLog;
  retryMaxMs: number;
  logger: Logger;
}

/** One schema under one subject: its header, and the frames written before its id came back. */
class Registration implements RegisteredSchema {
  readonly header = Buffer.alloc(CONFLUENT_HEADER_LENGTH);
  private waiting: Buffer[] | null = [];

  stamp(frame: Buffer): void {
    this.waiting?.push(frame);
  }

  settle(id: number): void {
    this.header.writeUInt32BE(id, 1);
    for (const frame of this.waiting ?? []) frame.writeUInt32BE(id, 1);
    this.waiting = null;
  }
}

/**
 * Confluent framing against a schema registry. Ids are cached per subject and schema
 * text for the life of the process; each new one is registered (or looked up) once,
 * through registry outages for up to `retryMaxMs`. A refusal as incompatible names the
 * subject, what changed against the subject's latest version, and the fix.
 */
export class RegistryFraming implements SchemaRegistration {
  private readonly options: RegistryFramingOptions;
  private readonly known = new Map<string, Registration>();
  private readonly pending = new Set<Promise<void>>();
  private failure: TributaryError | null = null;

  constructor(options: RegistryFramingOptions) {
    this.options = options;
  }

  schemaFor(table: { db: string; table: string }, part: 'key' | 'value', schema: Record<string, unknown>): RegisteredSchema {
    return this.schemaForTopic(this.options.topicFor(table.db, table.table), part, schema, `${part} schema of ${table.db}.${table.table}`);
  }

  schemaForTopic(topic: string, part: 'key' | 'value', schema: Record<string, unknown>, label: string): RegisteredSchema {
    const subject = subjectName(this.options.strategy, topic, part, recordFullName(schema));
    const text = JSON.stringify(schema);
    const cacheKey = `${subject}\n${text}`;
    let registration = this.known.get(cacheKey);
    if (registration) return registration;
    const created = new Registration();
    registration = created;
    this.known.set(cacheKey, created);
    const done = this.idOf(subject, text, schema, label).then(
      (id) => created.settle(id),
      (err: unknown) => {
        this.failure ??= asTributaryError(err, 'REGISTRY_REQUEST');
        throw this.failure;
      },
    );
    done.catch(() => undefined);
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done)).catch(() => undefined);
    return registration;
  }

  settled(): Promise<void> | null {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending.size === 0) return null;
    return Promise.all(this.pending).then(() => {
      if (this.failure) throw this.failure;
    });
  }

  close(): void {
    this.options.client.close();
  }

  private async idOf(subject: string, text: string, schema: Record<string, unknown>, label: string): Promise<number> {
    const { client, autoRegister, outages, retryMaxMs, logger } = this.options;
    try {
      const id = await outages.retry(REGISTRY, () => (autoRegister ? client.register(subject, text) : client.lookup(subject, text)), { maxMs: retryMaxMs });
      logger.info(`${label}: subject ${subject}, schema id ${id}${autoRegister ? '' : ' (looked up)'}`);
      return id;
    } catch (err) {
      if (!(err instanceof RegistryHttpError)) throw err;
      if (err.status === 409) throw await this.incompatible(subject, schema, label, err);
      if (err.status === 404 && !autoRegister) {
        // The fix points here: a hand-written equivalent of this text is easy to get wrong.
        logger.debug(`${label} is not registered under subject ${subject}`, { subject, schema: text });
        throw new TributaryError(`the ${label} is not registered under subject ${subject} at ${client.url}, and registry.auto_register = false: ${err.detail}`, {
          code: 'REGISTRY_SCHEMA_MISSING',
          cause: err,
          fix: `register this schema under subject ${subject} (it is logged at debug level), or set registry.auto_register = true`,
        });
      }
      throw err;
    }
  }

  private async incompatible(subject: string, schema: Record<string, unknown>, label: string, err: RegistryHttpError): Promise<TributaryError> {
    const { client } = this.options;
    const latest = await client.latest(subject).catch(() => null);
    const changes = latest ? describeSchemaChange(latest, schema) : [];
    const change = changes.length > 0 ? changes.join('; ') : 'see the registry detail';
    return new TributaryError(
      `the schema registry refused the new ${label} under subject ${subject} as incompatible with the subject's latest version: ${change} (registry: ${err.detail})`,
      {
        code: 'REGISTRY_INCOMPATIBLE',
        cause: err,
        fix: `set the subject's compatibility to one that allows this change (PUT ${client.url}/config/${subject} with {"compatibility":"NONE"}), or use another registry.subject_strategy; then restart, the checkpoint is before this change`,
      },
    );
  }
}

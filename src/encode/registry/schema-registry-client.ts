import http from 'node:http';
import https from 'node:https';
import { TributaryError, type ErrorCode } from '../../errors/tributary-error.js';
import { tlsFailure } from '../../errors/tls-failure.js';

export interface SchemaRegistryClientOptions {
  /** Base URL of the Confluent-compatible API, e.g. `http://127.0.0.1:18081/apis/ccompat/v7`. */
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  /** PEM contents (not paths): the caller reads the files, so a bad path fails at build time. */
  ca?: string | Buffer | undefined;
  cert?: string | Buffer | undefined;
  key?: string | Buffer | undefined;
  /** False: the chain is still verified, the host name in it is not compared. */
  checkHostname?: boolean;
  timeoutMs?: number;
}

/** A registry's answer that was not 2xx; `errorCode` is the Confluent `error_code` when given. */
export class RegistryHttpError extends TributaryError {
  readonly status: number;
  readonly errorCode: number | null;
  readonly detail: string;

  constructor(message: string, options: { code: ErrorCode; status: number; errorCode: number | null; detail: string; retriable: boolean; fix: string }) {
    super(message, { code: options.code, retriable: options.retriable, fix: options.fix });
    this.status = options.status;
    this.errorCode = options.errorCode;
    this.detail = options.detail;
  }
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/**
 * The few calls of the Confluent Schema Registry REST API that Tributary needs, on
 * node:http(s). This is the registry edge: whether an error is retriable is decided here
 * (no answer, 5xx, 408 and 429 are; an answer that says no is not). A client library
 * (`@kafkajs/confluent-schema-registry`) was not used: it takes no CA or client
 * certificate of its own, retries inside (hiding outages from the OutageLog) and drops
 * the registry's error body, which names the incompatible fields.
 */
export class SchemaRegistryClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly auth: string | null;
  private readonly timeoutMs: number;

  constructor(options: SchemaRegistryClientOptions) {
    this.base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    const tls = this.base.protocol === 'https:';
    this.agent = tls
      ? new https.Agent({
          keepAlive: true,
          ...(options.ca ? { ca: options.ca } : {}),
          ...(options.cert ? { cert: options.cert } : {}),
          ...(options.key ? { key: options.key } : {}),
          rejectUnauthorized: true,
          ...(options.checkHostname === false ? { checkServerIdentity: () => undefined } : {}),
        })
      : new http.Agent({ keepAlive: true });
    this.auth = options.username !== undefined ? `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}` : null;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** The URL users configured, for messages. */
  get url(): string {
    return this.base.href.replace(/\/$/, '');
  }

  /** Registers `schema` (Avro JSON text) under `subject`; the id, new or existing. 409 = incompatible. */
  async register(subject: string, schema: string): Promise<number> {
    const body = await this.request('POST', `subjects/${encodeURIComponent(subject)}/versions`, { schema }, `register a schema under subject ${subject}`);
    return idOf(body);
  }

  /** The id of `schema` if it is registered under `subject`; 404 otherwise. */
  async lookup(subject: string, schema: string): Promise<number> {
    const body = await this.request('POST', `subjects/${encodeURIComponent(subject)}`, { schema }, `look up a schema under subject ${subject}`);
    return idOf(body);
  }

  /** The newest schema text of `subject`, or null when the subject has none. */
  async latest(subject: string): Promise<string | null> {
    try {
      const body = (await this.request('GET', `subjects/${encodeURIComponent(subject)}/versions/latest`, undefined, `read subject ${subject}`)) as { schema?: unknown };
      return typeof body.schema === 'string' ? body.schema : null;
    } catch (err) {
      if (err instanceof RegistryHttpError && err.status === 404) return null;
      throw err;
    }
  }

  /**
   * The schema text registered under `id` (what a Confluent frame names). A missing id is
   * a reader's problem, not a writer's: the frame came from another registry, or this one
   * lost its schemas.
   */
  async schemaById(id: number): Promise<string> {
    try {
      const body = (await this.request('GET', `schemas/ids/${id}`, undefined, `read schema id ${id}`)) as { schema?: unknown; schemaType?: unknown };
      if (body.schemaType !== undefined && body.schemaType !== 'AVRO') {
        throw new TributaryError(`schema id ${id} at ${this.url} is a ${String(body.schemaType)} schema, not Avro`, {
          code: 'REGISTRY_REQUEST',
          fix: 'read only topics that Tributary writes; their schemas are all Avro',
        });
      }
      if (typeof body.schema !== 'string') throw invalidAnswer(body, `schema id ${id}`);
      return body.schema;
    } catch (err) {
      if (err instanceof RegistryHttpError && err.status === 404) {
        throw new RegistryHttpError(`schema id ${id} is not in the schema registry at ${this.url}: ${err.detail}`, {
          code: 'REGISTRY_SCHEMA_MISSING',
          status: 404,
          errorCode: err.errorCode,
          detail: err.detail,
          retriable: false,
          fix: 'point [registry] url at the registry the pipeline wrote this topic with (a registry with in-memory storage forgets its schemas when restarted)',
        });
      }
      throw err;
    }
  }

  /** Every subject in the registry. */
  async subjects(): Promise<string[]> {
    const body = await this.request('GET', 'subjects', undefined, 'list the subjects');
    if (!Array.isArray(body) || !body.every((s) => typeof s === 'string')) throw invalidAnswer(body, 'the subject list');
    return body as string[];
  }

  /** The version numbers of `subject`, oldest first. */
  async versions(subject: string): Promise<number[]> {
    const body = await this.request('GET', `subjects/${encodeURIComponent(subject)}/versions`, undefined, `list the versions of subject ${subject}`);
    if (!Array.isArray(body) || !body.every((v) => Number.isInteger(v))) throw invalidAnswer(body, `the versions of ${subject}`);
    return (body as number[]).slice().sort((a, b) => a - b);
  }

  /** One version of `subject`: its schema id and text. */
  async version(subject: string, version: number): Promise<{ id: number; schema: string }> {
    const body = (await this.request('GET', `subjects/${encodeURIComponent(subject)}/versions/${version}`, undefined, `read version ${version} of subject ${subject}`)) as { schema?: unknown };
    if (typeof body.schema !== 'string') throw invalidAnswer(body, `version ${version} of ${subject}`);
    return { id: idOf(body), schema: body.schema };
  }

  /** Checks that the registry answers and accepts the credentials (reads the global compatibility). */
  async check(): Promise<void> {
    await this.request('GET', 'config', undefined, 'read the global configuration');
  }

  close(): void {
    this.agent.destroy();
  }

  private request(method: string, path: string, payload: unknown, what: string): Promise<unknown> {
    const target = new URL(path, this.base);
    const data = payload === undefined ? null : Buffer.from(JSON.stringify(payload));
    const headers: Record<string, string> = { accept: `${CONTENT_TYPE}, application/json` };
    if (data) {
      headers['content-type'] = CONTENT_TYPE;
      headers['content-length'] = String(data.length);
    }
    if (this.auth) headers.authorization = this.auth;
    const send = target.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = send(target, { method, headers, agent: this.agent, timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(this.unreachable(err, what)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            try {
              resolve(text.length > 0 ? JSON.parse(text) : {});
            } catch (err) {
              reject(new TributaryError(`the schema registry at ${this.url} answered ${what} with invalid JSON: ${text.slice(0, 200)}`, { code: 'REGISTRY_REQUEST', cause: err, fix: 'check that registry.url points at a Confluent-compatible API (Apicurio: .../apis/ccompat/v7)' }));
            }
            return;
          }
          reject(this.refused(status, text, what));
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (err) => reject(this.unreachable(err, what)));
      req.end(data ?? undefined);
    });
  }

  private unreachable(err: Error & { code?: string }, what: string): TributaryError {
    // TLS verification failures do not get better by retrying.
    const tls = tlsFailure(err, {
      peer: `the schema registry at ${this.url}`,
      ca: 'registry.tls.ca',
      hostname: 'registry.tls.check_hostname = false',
      clientCert: 'registry.tls.cert and registry.tls.key',
      enabled: 'an https:// registry.url',
      doing: what,
    });
    if (tls) return tls;
    return new TributaryError(`cannot reach the schema registry at ${this.url} to ${what}: ${err.message}${err.code && !err.message.includes(err.code) ? ` (${err.code})` : ''}`, {
      code: 'REGISTRY_UNAVAILABLE',
      retriable: true,
      cause: err,
      fix: 'start the schema registry or correct registry.url; an outage is retried for registry.retry_max_ms',
    });
  }

  private refused(status: number, text: string, what: string): RegistryHttpError {
    let detail = text.slice(0, 500);
    let errorCode: number | null = null;
    try {
      const body = JSON.parse(text) as { message?: unknown; error_code?: unknown };
      if (typeof body.message === 'string') detail = body.message;
      if (typeof body.error_code === 'number') errorCode = body.error_code;
    } catch {
      // Not JSON (a proxy's page): the raw text is the detail.
    }
    const message = `the schema registry at ${this.url} refused to ${what}: HTTP ${status}: ${detail}`;
    if (status === 401 || status === 403) {
      return new RegistryHttpError(message, { code: 'REGISTRY_AUTH', status, errorCode, detail, retriable: false, fix: 'check registry.username and registry.password (and that this user may read and register schemas)' });
    }
    if (status >= 500 || status === 408 || status === 429) {
      return new RegistryHttpError(message, { code: 'REGISTRY_UNAVAILABLE', status, errorCode, detail, retriable: true, fix: 'make the schema registry healthy; an outage is retried for registry.retry_max_ms' });
    }
    if (status === 409) {
      return new RegistryHttpError(message, { code: 'REGISTRY_INCOMPATIBLE', status, errorCode, detail, retriable: false, fix: "set the subject's compatibility, or use another registry.subject_strategy" });
    }
    if (status === 404) {
      return new RegistryHttpError(message, { code: 'REGISTRY_SCHEMA_MISSING', status, errorCode, detail, retriable: false, fix: 'register the schema first, or set registry.auto_register = true' });
    }
    return new RegistryHttpError(message, { code: 'REGISTRY_REQUEST', status, errorCode, detail, retriable: false, fix: 'check registry.url (Apicurio: .../apis/ccompat/v7); if it is right, report this with the registry and its version' });
  }
}

function invalidAnswer(body: unknown, what: string): TributaryError {
  return new TributaryError(`the schema registry answered without ${what}: ${JSON.stringify(body).slice(0, 200)}`, {
    code: 'REGISTRY_REQUEST',
    fix: 'check that registry.url points at a Confluent-compatible API (Apicurio: .../apis/ccompat/v7)',
  });
}

function idOf(body: unknown): number {
  const id = (body as { id?: unknown }).id;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffffffff) {
    throw new TributaryError(`the schema registry answered without a valid schema id: ${JSON.stringify(body).slice(0, 200)}`, {
      code: 'REGISTRY_REQUEST',
      fix: 'check that registry.url points at a Confluent-compatible API (Apicurio: .../apis/ccompat/v7)',
    });
  }
  return id;
}

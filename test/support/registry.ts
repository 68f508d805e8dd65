/**
 * The local stack's schema registry (scripts/stack/registry.sh): its Confluent-compatible
 * API, a decoder that nobody on this project wrote (@kafkajs/confluent-schema-registry),
 * and a TCP relay that tests switch off and on to cut the registry away.
 */
import net from 'node:net';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';

export const REGISTRY_URL = `http://127.0.0.1:${process.env.REGISTRY_PORT ?? 18081}/apis/ccompat/v7`;

export function registryDecoder(url = REGISTRY_URL): SchemaRegistry {
  return new SchemaRegistry({ host: url });
}

/** A call to the local stack registry's REST API; throws on a non-2xx answer. */
export function registryApi<T = unknown>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  return registryApiAt<T>(REGISTRY_URL, path, init);
}

/** A call to the REST API of the registry at `url`; throws on a non-2xx answer. */
export async function registryApiAt<T = unknown>(url: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`${url}/${path}`, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`registry ${init.method ?? 'GET'} ${path}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** The schema id in a Confluent frame (magic byte 0, then the id big-endian). */
export function frameSchemaId(frame: Buffer): number {
  if (frame[0] !== 0) throw new Error(`not a Confluent frame: starts ${frame.subarray(0, 2).toString('hex')}`);
  return frame.readUInt32BE(1);
}

/**
 * Relays 127.0.0.1:<port> to the registry while open; closed, the port refuses connections
 * and open relayed connections are cut, as when the registry is down. Records each request's
 * first line and Authorization header.
 */
export class RegistryRelay {
  readonly requests: { line: string; authorization: string | null }[] = [];
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  /** `listenHost` other than 127.0.0.1 (e.g. ::1) reaches the registry by a name its certificate does not list. */
  constructor(readonly port: number, private readonly target = Number(process.env.REGISTRY_PORT ?? 18081), private readonly listenHost = '127.0.0.1') {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/apis/ccompat/v7`;
  }

  static async freePort(): Promise<number> {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return port;
  }

  async open(): Promise<void> {
    if (this.server) return;
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      client.on('data', (chunk: Buffer) => this.note(chunk));
      client.pipe(upstream).pipe(client);
      const done = (): void => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', done).on('close', done);
      upstream.on('error', done).on('close', done);
    });
    await new Promise<void>((resolve) => server.listen(this.port, this.listenHost, resolve));
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private note(chunk: Buffer): void {
    const text = chunk.toString('latin1');
    const m = /^(GET|POST|PUT|DELETE) (\S+) HTTP\/1\.1\r\n/.exec(text);
    if (!m) return;
    const auth = /\r\nauthorization: ([^\r\n]*)/i.exec(text);
    this.requests.push({ line: `${m[1]} ${m[2]}`, authorization: auth ? auth[1]! : null });
  }
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { TributaryError } from '../errors/tributary-error.js';
import type { Logger } from '../logger.js';
import type { PipelineMetrics } from './pipeline-metrics.js';
import type { PipelineStatus } from './pipeline-status.js';

/** starting: not streaming yet; retrying: an outage is being ridden out; stopped: shutting down or ended. */
export type PipelineState = 'starting' | 'snapshotting' | 'streaming' | 'retrying' | 'stopped';

/** What the server shows of a pipeline (Pipeline is one). */
export interface ObservedPipeline {
  readonly metrics: PipelineMetrics;
  state(): PipelineState;
  status(): PipelineStatus;
}

export interface HttpServerOptions {
  /** `host:port` (the config's http.listen, already normalized). */
  listen: string;
  logger: Logger;
}

const READY: ReadonlySet<PipelineState> = new Set(['streaming', 'snapshotting']);

/**
 * /metrics (Prometheus text), /healthz (liveness), /readyz (streaming or snapshotting) and
 * /status (JSON) of the pipeline it observes. It outlives pipelines: the CLI starts it once
 * per process, before a standby waits for its lease, and points it at each pipeline it builds
 * (exactly-once rebuilds one after a failed transaction), so a scrape never finds the port
 * closed between them, and a stopped pipeline says `stopped` until the process exits.
 */
export class HttpServer {
  private readonly options: HttpServerOptions;
  private readonly server: Server;
  private pipeline: ObservedPipeline | null = null;
  private started: Promise<void> | null = null;
  private closed: Promise<void> | null = null;

  constructor(options: HttpServerOptions) {
    this.options = options;
    this.server = createServer((req, res) => void this.handle(req, res));
    // Scrapers keep connections alive; close() must not wait for them.
    this.server.keepAliveTimeout = 5_000;
  }

  /** Shows this pipeline from now on (null: none yet). */
  observe(pipeline: ObservedPipeline | null): void {
    this.pipeline = pipeline;
  }

  /** Listens; rejects with a TributaryError naming http.listen when the address cannot be had. Safe to call twice. */
  start(signal?: AbortSignal): Promise<void> {
    signal?.addEventListener('abort', () => void this.close(), { once: true });
    this.started ??= new Promise<void>((resolve, reject) => {
      const { host, port } = split(this.options.listen);
      const onError = (err: NodeJS.ErrnoException): void => {
        reject(
          new TributaryError(`http.listen = "${this.options.listen}": cannot listen (${err.code ?? err.message})`, {
            code: 'HTTP_LISTEN',
            cause: err,
            fix:
              err.code === 'EADDRINUSE'
                ? `another process uses ${this.options.listen}: set http.listen to a free port, or stop that process`
                : `set http.listen to an address of this host ("<port>" for 127.0.0.1, or "host:port")`,
          }),
        );
      };
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        this.server.on('error', (err) => this.options.logger.warn(`http server: ${err.message}`));
        this.options.logger.info(`serving /metrics, /healthz, /readyz and /status on http://${this.options.listen}`);
        resolve();
      });
    });
    return this.started;
  }

  /** The port listened on (useful with port 0). */
  get port(): number {
    const address = this.server.address();
    return address && typeof address === 'object' ? address.port : 0;
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'GET only\n');
      const p = this.pipeline;
      switch (path) {
        case '/healthz':
          // Answering at all is the proof that the process's event loop runs.
          return send(res, 200, 'text/plain', 'ok\n');
        case '/readyz': {
          const state = p?.state() ?? 'starting';
          return send(res, READY.has(state) ? 200 : 503, 'text/plain', `${state}\n`);
        }
        case '/metrics':
          if (!p) return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', '');
          return send(res, 200, p.metrics.contentType, await p.metrics.render());
        case '/status':
          if (!p) return send(res, 503, 'application/json', `${JSON.stringify({ state: 'starting' })}\n`);
          return send(res, 200, 'application/json', `${JSON.stringify(p.status(), null, 2)}\n`);
        default:
          return send(res, 404, 'text/plain', 'not found: try /metrics, /healthz, /readyz or /status\n');
      }
    } catch (err) {
      send(res, 500, 'text/plain', `${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** "host:port", the host possibly a bracketed IPv6 address. */
function split(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  const host = listen.slice(0, at);
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port: Number(listen.slice(at + 1)) };
}

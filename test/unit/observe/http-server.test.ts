import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { HttpServer, type ObservedPipeline, type PipelineState } from '../../../src/observe/http-server.js';
import { PipelineMetrics } from '../../../src/observe/pipeline-metrics.js';
import { TributaryError } from '../../../src/errors/tributary-error.js';
import { recordingLogger } from '../../support/recording-logger.js';
import { freePort } from '../../support/free-port.js';

function observed(state: PipelineState): ObservedPipeline & { state: () => PipelineState } {
  const metrics = new PipelineMetrics('p');
  metrics.change('db', 't', 'c');
  return { metrics, state: () => state, status: () => ({ pipeline: 'p', state, checkpoint: null, snapshot: [] }) };
}

async function get(port: number, path: string): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

describe('HttpServer', () => {
  it('answers /healthz, /readyz by state, /metrics and /status of the pipeline it observes', async () => {
    const port = await freePort();
    const server = new HttpServer({ listen: `127.0.0.1:${port}`, logger: recordingLogger() });
    await server.start();
    await server.start();
    try {
      assert.deepEqual(await get(port, '/readyz'), { status: 503, body: 'starting\n', type: 'text/plain' });
      assert.equal((await get(port, '/healthz')).status, 200);
      const expected: [PipelineState, number][] = [['starting', 503], ['snapshotting', 200], ['streaming', 200], ['retrying', 503], ['stopped', 503]];
      for (const [state, status] of expected) {
        server.observe(observed(state));
        assert.deepEqual(await get(port, '/readyz'), { status, body: `${state}\n`, type: 'text/plain' }, state);
      }
      const metrics = await get(port, '/metrics');
      assert.equal(metrics.status, 200);
      assert.match(metrics.type ?? '', /^text\/plain; version=0\.0\.4/);
      assert.match(metrics.body, /^tributary_changes_total\{table="db\.t",op="c",pipeline="p"\} 1$/m);
      assert.deepEqual(JSON.parse((await get(port, '/status')).body), { pipeline: 'p', state: 'stopped', checkpoint: null, snapshot: [] });
      assert.equal((await get(port, '/nothing')).status, 404);
    } finally {
      await server.close();
      await server.close();
    }
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
  });

  it('names http.listen when the port is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const server = new HttpServer({ listen: `127.0.0.1:${port}`, logger: recordingLogger() });
    try {
      await assert.rejects(server.start(), (err: unknown) => {
        assert.ok(err instanceof TributaryError);
        assert.equal(err.code, 'HTTP_LISTEN');
        assert.equal(err.message, `http.listen = "127.0.0.1:${port}": cannot listen (EADDRINUSE)`);
        assert.match(err.fix ?? '', /set http\.listen to a free port/);
        return true;
      });
    } finally {
      await server.close();
      blocker.close();
    }
  });

  it('stops listening when its signal aborts', async () => {
    const port = await freePort();
    const server = new HttpServer({ listen: String(`127.0.0.1:${port}`), logger: recordingLogger() });
    const controller = new AbortController();
    await server.start(controller.signal);
    assert.equal((await get(port, '/healthz')).status, 200);
    controller.abort();
    await server.close();
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
  });
});

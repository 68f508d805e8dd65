/**
 * The Kafka Connect worker of scripts/stack/connect.sh: started by the one test that needs it
 * (when not already running) and stopped by it, and a few calls to its REST API.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = new URL('../..', import.meta.url).pathname;
export const CONNECT_URL = `http://127.0.0.1:${process.env.CONNECT_PORT ?? 18083}`;

async function connectScript(command: 'up' | 'down' | 'status'): Promise<boolean> {
  try {
    await run('bash', ['scripts/stack/connect.sh', command], { cwd: REPO, env: process.env, timeout: 180_000 });
    return true;
  } catch (e) {
    if (command === 'status') return false;
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`connect.sh ${command} failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

/** Starts the worker unless it runs; the returned function stops it only if this call started it. */
export async function ensureConnect(): Promise<() => Promise<void>> {
  if (await connectScript('status')) return async () => {};
  await connectScript('up');
  return async () => {
    await connectScript('down');
  };
}

export async function connectApi<T = unknown>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`${CONNECT_URL}/${path}`, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`connect ${init.method ?? 'GET'} ${path}: HTTP ${res.status} ${text}`);
  return (text === '' ? null : JSON.parse(text)) as T;
}

export interface ConnectorStatus {
  connector: { state: string; trace?: string };
  tasks: { id: number; state: string; trace?: string }[];
}

/** A task's failure, with the first lines of its stack trace (where the sink says why). */
export function failureOf(status: ConnectorStatus | null): string | null {
  if (!status) return null;
  if (status.connector.state === 'FAILED') return `connector FAILED: ${status.connector.trace ?? ''}`;
  const failed = status.tasks.find((t) => t.state === 'FAILED');
  return failed ? `task ${failed.id} FAILED: ${failed.trace ?? ''}` : null;
}

export async function connectorStatus(name: string): Promise<ConnectorStatus | null> {
  try {
    return await connectApi<ConnectorStatus>(`connectors/${name}/status`);
  } catch {
    return null;
  }
}

export async function deleteConnector(name: string): Promise<void> {
  await connectApi(`connectors/${name}`, { method: 'DELETE' }).catch(() => undefined);
}

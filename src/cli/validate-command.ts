import { loadConfig } from '../config/load-config.js';
import type { PipelineConfig } from '../config/pipeline-config.js';
import { asTributaryError, type TributaryError } from '../errors/tributary-error.js';
import { TableFilter } from '../route/table-filter.js';
import { checkServer } from '../source/binlog/server-check.js';
import { probeServerId, serverOwnIdError } from '../source/binlog/server-id-claim.js';
import { ChunkReader } from '../source/snapshot/chunk-reader.js';
import { sourceEndpoint } from '../source/source-endpoint.js';
import { reportError } from './report-error.js';

type Write = (text: string) => void;

/**
 * Checks the file, then, when the server answers, the config against it: what exists to
 * include and whether the server_id is free. An unreachable server is not a fault of the
 * config (validate runs offline, in CI): the server check is then skipped, with the reason.
 * Exit 2 only for a config that cannot work: a bad file, or the server's own server_id.
 */
export async function validateCommand(opts: { config: string }, write: Write = (t) => process.stdout.write(t)): Promise<number> {
  let config: PipelineConfig;
  try {
    config = await loadConfig(opts.config);
  } catch (err) {
    return reportError(err);
  }
  try {
    const { lines, invalid } = await checkAgainstServer(config);
    if (invalid) {
      write(`${opts.config}: invalid for the server (pipeline "${config.name}")\n`);
      reportError(invalid);
      return 2;
    }
    write(`${opts.config}: valid (pipeline "${config.name}")\n${lines.map((l) => `${l}\n`).join('')}`);
    return 0;
  } catch (err) {
    const error = asTributaryError(err);
    const verdict = error.code === 'MYSQL_CONNECT' ? 'server check skipped' : 'server check failed';
    write(`${opts.config}: valid (pipeline "${config.name}")\n${verdict}: ${error.describe()}\n`);
    return 0;
  }
}

async function checkAgainstServer(config: PipelineConfig): Promise<{ lines: string[]; invalid?: TributaryError }> {
  const endpoint = sourceEndpoint(config);
  const where = `${endpoint.host}:${endpoint.port}`;
  const server = await checkServer(endpoint);
  if (server.serverId === config.source.server_id) return { lines: [], invalid: serverOwnIdError(server, where) };
  const lines = [`server check: ${server.flavor} ${server.version} at ${where}, server_id ${server.serverId}`];
  const holder = await probeServerId(endpoint, server, { serverId: config.source.server_id, pipeline: config.name });
  if (holder?.samePipeline) lines.push(`note: this pipeline is running with server_id ${config.source.server_id} (${holder.where})`);
  else if (holder) lines.push(`warning: ${conflictLine(holder.kind, holder.where, config.source.server_id)}`);
  const reader = new ChunkReader(endpoint, { warn: () => undefined });
  try {
    const warnings = new TableFilter(config.source.include, config.source.exclude).warnings(await reader.listBaseTables());
    lines.push(...warnings.map((w) => `warning: ${w}`));
  } finally {
    await reader.close();
  }
  return { lines };
}

function conflictLine(kind: 'pipeline' | 'replica', where: string, serverId: number): string {
  const who = kind === 'pipeline' ? `another Tributary pipeline (${where})` : `the replica at ${where}`;
  return `server_id ${serverId} is in use by ${who}: one of the two needs another [source] server_id, or starting this one fails`;
}

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../src/config/load-config.js';
import { ConfigError } from '../../../src/errors/config-error.js';
import { TributaryError } from '../../../src/errors/tributary-error.js';

const EXAMPLE = fileURLToPath(new URL('../../../config/example.toml', import.meta.url));

describe('loadConfig', () => {
  it('loads config/example.toml for the local stack without any environment', async () => {
    const c = await loadConfig(EXAMPLE, {});
    assert.equal(c.name, 'shop');
    assert.deepEqual(c.source, {
      host: '127.0.0.1',
      port: 3307,
      user: 'tributary',
      password: 'tributary',
      server_id: 5401,
      include: ['shop.*'],
      exclude: [],
      connect_timeout_ms: 10000,
      retry_max_ms: 300000,
      tls: { mode: 'disabled' },
    });
    assert.deepEqual(c.kafka.brokers, ['127.0.0.1:19092']);
    assert.equal(c.kafka.client_id, 'tributary-shop');
    assert.equal(c.kafka.topic_prefix, 'shop');
    assert.equal(c.checkpoint.store, 'kafka');
    assert.deepEqual(c.routes, []);
  });

  it('takes the example password from TRIBUTARY_MYSQL_PASSWORD when set', async () => {
    const c = await loadConfig(EXAMPLE, { TRIBUTARY_MYSQL_PASSWORD: 'from-env' });
    assert.equal(c.source.password, 'from-env');
  });

  it('throws CONFIG_NOT_FOUND with a fix for a missing file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-config-'));
    try {
      const missing = join(dir, 'nope.toml');
      await assert.rejects(loadConfig(missing, {}), (err: unknown) => {
        assert.ok(err instanceof TributaryError);
        assert.equal(err.code, 'CONFIG_NOT_FOUND');
        assert.equal(err.message, `config file not found: ${missing}`);
        assert.match(err.fix ?? '', /--config/);
        return true;
      });
      await assert.rejects(loadConfig(dir, {}), (err: unknown) => {
        assert.ok(err instanceof TributaryError);
        assert.equal(err.code, 'CONFIG_NOT_FOUND');
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the file in a ConfigError', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-config-'));
    try {
      const file = join(dir, 'bad.toml');
      await writeFile(file, 'name = "x"\n');
      await assert.rejects(loadConfig(file, {}), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.file, file);
        assert.deepEqual(
          err.issues.map((i) => i.path),
          ['source', 'kafka'],
        );
        assert.match(err.message, new RegExp(`^invalid config in ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\n`));
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PipelineMetrics } from '../../../src/observe/pipeline-metrics.js';
import type { SnapshotProgress } from '../../../src/model/snapshot-progress.js';

/** The sample lines of one metric, without HELP and TYPE. */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

describe('PipelineMetrics', () => {
  it('renders per-table, per-op change counts bumped per event, with the pipeline label', async () => {
    const m = new PipelineMetrics('shop', () => 0);
    for (let i = 0; i < 3; i++) m.change('db', 'a', 'c');
    m.change('db', 'a', 'u');
    m.change('db', 'b', 'c');
    m.change('db', 'a', 'u');
    m.change('other', 'a', 'd');
    const text = await m.render();
    assert.deepEqual(samples(text, 'tributary_changes_total').sort(), [
      'tributary_changes_total{table="db.a",op="c",pipeline="shop"} 3',
      'tributary_changes_total{table="db.a",op="u",pipeline="shop"} 2',
      'tributary_changes_total{table="db.b",op="c",pipeline="shop"} 1',
      'tributary_changes_total{table="other.a",op="d",pipeline="shop"} 1',
    ]);
    // Scraping twice must not double the counters (they are copied in, not added up).
    assert.deepEqual(samples(await m.render(), 'tributary_changes_total').length, 4);
    assert.match(await m.render(), /tributary_changes_total\{table="db.a",op="c",pipeline="shop"\} 3\n/);
  });

  // prom-client writes NaN as "Nan"; Prometheus reads it case-insensitively (Go's ParseFloat).
  it('measures lag from the newest source event against now, NaN before any', async () => {
    let now = 100_000;
    const m = new PipelineMetrics('p', () => now);
    assert.deepEqual(samples(await m.render(), 'tributary_replication_lag_seconds'), ['tributary_replication_lag_seconds{pipeline="p"} Nan']);
    assert.deepEqual(samples(await m.render(), 'tributary_checkpoint_age_seconds'), ['tributary_checkpoint_age_seconds{pipeline="p"} Nan']);
    assert.equal(m.lagSeconds(), null);
    m.sourceEvent(95_000);
    m.sourceEvent(90_000);
    assert.deepEqual(samples(await m.render(), 'tributary_replication_lag_seconds'), ['tributary_replication_lag_seconds{pipeline="p"} 5']);
    now = 107_500;
    assert.equal(m.lagSeconds(), 12.5);
  });

  it('adds up back-pressure pauses, the one still open included', async () => {
    let now = 0;
    const m = new PipelineMetrics('p', () => now);
    m.paused();
    now = 1_500;
    m.resumed();
    m.resumed();
    now = 10_000;
    m.paused();
    now = 10_250;
    assert.deepEqual(samples(await m.render(), 'tributary_backpressure_paused_seconds_total'), ['tributary_backpressure_paused_seconds_total{pipeline="p"} 1.75']);
  });

  it('reads in-flight, retries, the checkpoint, the snapshot and the state when scraped', async () => {
    const now = Date.parse('2024-01-01T00:01:00.000Z');
    const m = new PipelineMetrics('p', () => now);
    const progress: SnapshotProgress = {
      tables: {
        'db.big': { cursor: [5], rows: 300, total: 900, startedAt: '2024-01-01T00:00:00.000Z', done: false },
        'db.small': { cursor: null, rows: 0, total: null, startedAt: '2024-01-01T00:00:30.000Z', done: false },
      },
    };
    m.read({
      inFlight: () => 42,
      retries: () => new Map([['Kafka', 3], ['binlog connection', 1]]),
      checkpoint: () => ({ pipeline: 'p', position: { gtid: '0-1-77', file: 'binlog.000002', pos: 1234 }, updatedAt: '2024-01-01T00:00:50.000Z' }),
      snapshot: () => progress,
      state: () => 'snapshotting',
    });
    m.produced(10, 2_000, 0.02);
    m.produced(5, 1_000, 0.2);
    const text = await m.render();
    assert.deepEqual(samples(text, 'tributary_messages_in_flight'), ['tributary_messages_in_flight{pipeline="p"} 42']);
    assert.deepEqual(samples(text, 'tributary_messages_produced_total'), ['tributary_messages_produced_total{pipeline="p"} 15']);
    assert.deepEqual(samples(text, 'tributary_bytes_produced_total'), ['tributary_bytes_produced_total{pipeline="p"} 3000']);
    assert.deepEqual(samples(text, 'tributary_produce_latency_seconds_count'), ['tributary_produce_latency_seconds_count{pipeline="p"} 2']);
    assert.ok(samples(text, 'tributary_produce_latency_seconds_bucket').includes('tributary_produce_latency_seconds_bucket{le="0.025",pipeline="p"} 1'));
    assert.deepEqual(samples(text, 'tributary_retries_total').sort(), [
      'tributary_retries_total{kind="Kafka",pipeline="p"} 3',
      'tributary_retries_total{kind="binlog connection",pipeline="p"} 1',
    ]);
    assert.deepEqual(samples(text, 'tributary_checkpoint_age_seconds'), ['tributary_checkpoint_age_seconds{pipeline="p"} 10']);
    assert.deepEqual(samples(text, 'tributary_checkpoint_position_info'), [
      'tributary_checkpoint_position_info{gtid="0-1-77",file="binlog.000002",pos="1234",pipeline="p"} 1',
    ]);
    assert.deepEqual(samples(text, 'tributary_snapshot_rows_done').sort(), [
      'tributary_snapshot_rows_done{table="db.big",pipeline="p"} 300',
      'tributary_snapshot_rows_done{table="db.small",pipeline="p"} 0',
    ]);
    // An unknown total has no sample rather than a made-up one; the ETA is rows left at the rate so far.
    assert.deepEqual(samples(text, 'tributary_snapshot_rows_estimated'), ['tributary_snapshot_rows_estimated{table="db.big",pipeline="p"} 900']);
    assert.deepEqual(samples(text, 'tributary_snapshot_eta_seconds'), ['tributary_snapshot_eta_seconds{table="db.big",pipeline="p"} 120']);
    assert.ok(samples(text, 'tributary_pipeline_state').includes('tributary_pipeline_state{state="snapshotting",pipeline="p"} 1'));
    assert.ok(samples(text, 'tributary_pipeline_state').includes('tributary_pipeline_state{state="streaming",pipeline="p"} 0'));
  });

  it('keeps two pipelines apart: each has a registry of its own', async () => {
    const a = new PipelineMetrics('a');
    const b = new PipelineMetrics('b');
    a.change('db', 't', 'c');
    assert.deepEqual(samples(await b.render(), 'tributary_changes_total'), []);
    assert.equal(samples(await a.render(), 'tributary_changes_total').length, 1);
  });
});

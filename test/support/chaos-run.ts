/**
 * One chaos run: `tributary start` as a child process against a MariaDB and a Kafka
 * broker of the run's own, a snapshot in progress under a writer, a second table under
 * an exactly-recorded writer, and the events of a seeded ChaosPlan: SIGKILLs (this run
 * restarts the pipeline, being its supervisor for kills only) and server restarts (which
 * the pipeline must ride out in the same process). Then a graceful stop and the
 * ChaosVerdict on what a consumer reads. Shared by the integration test and bench/chaos.ts.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type mysql from 'mysql2/promise';
import { DedicatedKafka } from './dedicated-kafka.js';
import { DedicatedMariadb } from './dedicated-mariadb.js';
import { PopulatedTableWriter } from './populated-table-writer.js';
import { ChangeWriter } from './change-writer.js';
import { CheckpointWatcher } from './checkpoint-watcher.js';
import { chaosPlan, type ChaosEvent, type ChaosPlan } from './chaos-plan.js';
import { chaosVerdict, type ChaosVerdict, type Delivery } from './chaos-verdict.js';
import { deleteTopics, uniqueName } from './stack.js';
import { spawnTributary, startTributary, testPipelineConfig, waitFor, type TestPipelineConfig } from './pipeline-harness.js';
import { readPositioned } from './topic-reader.js';
import { endOffset } from './topic-size.js';
import { gtidSeq } from './gtid-seq.js';
import { tableRows } from './table-rows.js';

type Child = ReturnType<typeof spawnTributary>;

export interface ChaosOptions {
  seed: number;
  delivery: Delivery;
  store: 'kafka' | 'file';
  kills: number;
  /** Restarts of each server (broker, MariaDB). */
  outages: number;
  /** About how long the events take, from the first start. */
  spanMs: number;
  /** Rows in `big` before the first start, and its snapshot's chunk size. */
  rows: number;
  chunk: number;
  /** Where the run's own servers live: ports and names no other test or run uses. */
  servers: { mariadbPort: number; instance: string; kafkaPort: number; controllerPort: number; stackDir: string };
  log?: (line: string) => void;
}

export interface ChaosFigures {
  seed: number;
  delivery: Delivery;
  store: string;
  kills: number;
  killsMidSnapshot: number;
  outages: string[];
  transactions: number;
  changes: number;
  records: number;
  duplicates: number;
  rereads: number;
  lost: number;
  seconds: number;
}

export interface ChaosResult {
  verdict: ChaosVerdict;
  figures: ChaosFigures;
  /** Exit code of the final graceful stop. */
  exitCode: number | null;
  /** Outages that ended the pipeline or moved it to another process. */
  outageFailures: string[];
  output: string;
}

/** Checks that lose data, as opposed to ones that reorder or mislabel it. */
const LOSS = /state differs|do not chain|lost|not whole/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const count = (text: string, re: RegExp) => text.match(new RegExp(re.source, 'g'))?.length ?? 0;
// A MariaDB outage shows as the binlog connection's, or, when it lands while the pipeline
// is (re)starting (exactly-once rebuilds it after a broker outage), as the MySQL queries'.
const AGAIN: Record<'broker' | 'mariadb', RegExp> = {
  broker: /INFO .*Kafka available again after/,
  mariadb: /INFO .*(?:binlog connection|MySQL(?: \(snapshot\))?) available again after/,
};

export class ChaosRun {
  readonly plan: ChaosPlan;
  private readonly options: ChaosOptions;
  private readonly broker: DedicatedKafka;
  private readonly server: DedicatedMariadb;
  private readonly children: Child[] = [];
  private readonly connections: mysql.Connection[] = [];
  private readonly log: (line: string) => void;
  private cfg: TestPipelineConfig | null = null;
  private checkpointTopic = '';
  private watcher: CheckpointWatcher | null = null;
  private big: PopulatedTableWriter | null = null;
  private items: ChangeWriter | null = null;
  private cleaning: Promise<void> | null = null;

  constructor(options: ChaosOptions) {
    this.options = options;
    this.log = options.log ?? (() => undefined);
    const s = options.servers;
    this.broker = new DedicatedKafka({ port: s.kafkaPort, controllerPort: s.controllerPort, stackDir: s.stackDir });
    this.server = new DedicatedMariadb({ instance: s.instance, port: s.mariadbPort, serverId: 4 });
    this.plan = chaosPlan({ seed: options.seed, kills: options.kills, outages: options.outages, spanMs: options.spanMs });
  }

  async run(): Promise<ChaosResult> {
    const o = this.options;
    const started = Date.now();
    this.log(`plan: ${this.plan.events.map(describeEvent).join(', ')}`);
    await Promise.all([this.broker.up(), this.server.up()]);
    const db = 'chaos';
    const admin = await this.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${db}; CREATE DATABASE ${db}; USE ${db}`);
    await PopulatedTableWriter.createFilled(admin, 'big', o.rows);
    await admin.query(ChangeWriter.createTableSql('items'));

    this.checkpointTopic = uniqueName('t_chaos_ckpt');
    const cfg = testPipelineConfig({
      db,
      source: { port: this.server.port, retry_max_ms: 60_000 },
      // The delivery key is only written when it is not the default, so this runs on a build without it.
      kafka: { retry_max_ms: 60_000, ...(o.delivery === 'at_least_once' ? {} : { delivery: o.delivery }) },
      checkpoint: o.store === 'kafka' ? { store: 'kafka', topic: this.checkpointTopic, interval_ms: 300 } : { interval_ms: 300 },
      snapshot: { mode: 'initial', chunk_size: o.chunk, parallelism: 2 },
    });
    writeFileSync(cfg.file, cfg.toml.replace(/^brokers = .*$/m, `brokers = ${JSON.stringify(this.broker.brokers)}`));
    this.cfg = cfg;
    const bigId = `${db}.big`;
    const watcher = (this.watcher = new CheckpointWatcher(cfg.file));
    const reconnect = () => this.connect(db);
    const big = (this.big = new PopulatedTableWriter(await this.connect(db), 'big', {
      rows: o.rows,
      pauseMs: 5,
      seed: this.plan.populatedWriterSeed,
      reconnect,
      hotSpan: 2 * o.chunk,
      hot: () => {
        const cursor = watcher.table(bigId)?.cursor?.[0];
        return typeof cursor === 'number' ? cursor : null;
      },
    }));
    const items = (this.items = new ChangeWriter(await this.connect(db), 'items', this.plan.changeWriterSeed, { reconnect, pauseMs: 10 }));
    big.start();
    await big.reach(10);

    const outputs: Child[] = [];
    let run = await startTributary(cfg, this.children);
    outputs.push(run);
    const startGtid = /starting at the current end of the binlog, gtid (\S+)/.exec(run.output())?.[1];
    if (!startGtid) throw new Error(`the first start did not say where it starts:\n${run.output()}`);
    const allOutput = () => outputs.map((r) => r.output()).join('');
    watcher.start();
    // After the first start, so every version it writes is streamed.
    items.start();

    const restarts = { big: [] as bigint[], items: [] as bigint[] };
    const outageFailures: string[] = [];
    const outages: string[] = [];
    let killsMidSnapshot = 0;
    for (const event of this.plan.events) {
      await sleep(event.afterMs);
      if (run.child.exitCode !== null) throw new Error(`tributary exited on its own (${run.child.exitCode}):\n${run.output().slice(-3000)}`);
      if (event.kind === 'kill') {
        if (!allOutput().includes(`snapshot of ${bigId} done`)) killsMidSnapshot++;
        run.child.kill('SIGKILL');
        await run.exited;
        // Measured just before the restart: a produce request the dead process sent may land late.
        restarts.big.push(await endOffset(this.broker.client(), cfg.topicFor('big')));
        restarts.items.push(await endOffset(this.broker.client(), cfg.topicFor('items')));
        run = await startTributary(cfg, this.children);
        outputs.push(run);
        this.log(`kill: restarted, ${/resuming from (.*)/.exec(run.output())?.[1] ?? 'not resuming'}`);
        continue;
      }
      const pid = run.child.pid;
      const again = count(run.output(), AGAIN[event.kind]);
      const target = event.kind === 'broker' ? this.broker : this.server;
      await target.down();
      const downAt = Date.now();
      await sleep(event.downMs);
      await target.up();
      const downMs = Date.now() - downAt;
      const rodeOut = await waitFor(() => run.child.exitCode !== null || count(run.output(), AGAIN[event.kind]) > again, 90_000).then(
        () => run.child.exitCode === null && run.child.pid === pid,
        () => false,
      );
      outages.push(`${event.kind} down ${(downMs / 1000).toFixed(1)} s`);
      this.log(`${event.kind} down for ${downMs} ms: ${rodeOut ? 'ridden out' : 'NOT ridden out'} by pid ${pid}`);
      if (!rodeOut) {
        outageFailures.push(`${event.kind} restart (down ${downMs} ms): pid ${pid} ${run.child.exitCode === null ? 'never logged it was back' : `exited ${run.child.exitCode}`}\n${run.output().slice(-3000)}`);
        if (run.child.exitCode === null) run.child.kill('SIGKILL');
        await run.exited;
        restarts.big.push(await endOffset(this.broker.client(), cfg.topicFor('big')));
        restarts.items.push(await endOffset(this.broker.client(), cfg.topicFor('items')));
        run = await startTributary(cfg, this.children);
        outputs.push(run);
      }
    }

    await waitFor(() => allOutput().includes(`snapshot of ${bigId} done`) || run.child.exitCode !== null, 180_000, () => run.output().slice(-2000));
    const doneIn = outputs.findIndex((r) => r.output().includes(`snapshot of ${bigId} done`));
    this.log(`snapshot of ${bigId} done in process ${doneIn + 1} of ${outputs.length}, ${Math.round((Date.now() - started) / 1000)} s into the run`);
    await Promise.all([big.stop(), items.stop()]);
    const last = [big.lastGtid!, items.transactions.at(-1)!.gtid].sort((a, b) => gtidSeq(b) - gtidSeq(a))[0]!;
    await watcher.caughtUp(last);
    run.child.kill('SIGTERM');
    const exitCode = await run.exited;
    await watcher.stop();

    const kafka = this.broker.client();
    const conn = await this.connect(db);
    const verdict = chaosVerdict(
      {
        big: {
          records: await readPositioned(kafka, cfg.schemasTopic, [cfg.topicFor('big')]),
          table: await tableRows(conn, 'SELECT * FROM big ORDER BY id'),
          restarts: restarts.big,
          gtids: big.gtids,
          startGtid,
        },
        items: {
          records: await readPositioned(kafka, cfg.schemasTopic, [cfg.topicFor('items')]),
          table: await tableRows(conn, 'SELECT * FROM items ORDER BY id'),
          restarts: restarts.items,
          transactions: items.transactions,
          history: items.history,
        },
      },
      o.delivery,
    );
    const figures: ChaosFigures = {
      seed: o.seed,
      delivery: o.delivery,
      store: o.store,
      kills: this.plan.events.filter((e) => e.kind === 'kill').length,
      killsMidSnapshot,
      outages,
      transactions: big.count + items.count + items.unconfirmed,
      changes: big.inserts + big.updates + big.deletes + items.events,
      records: verdict.records,
      duplicates: verdict.duplicates,
      rereads: verdict.rereads,
      lost: Object.entries(verdict.problems).filter(([k]) => LOSS.test(k)).reduce((n, [, v]) => n + v.length, 0),
      seconds: Math.round((Date.now() - started) / 1000),
    };
    const outputFile = join(tmpdir(), `tributary-chaos-${o.seed}.log`);
    writeFileSync(outputFile, outputs.map((r, i) => `===== process ${i + 1} (pid ${r.child.pid})\n${r.output()}`).join(''));
    this.log(`pipeline output in ${outputFile}`);
    return { verdict, figures, exitCode, outageFailures, output: allOutput() };
  }

  /** Kills the pipeline, stops the writers, deletes the topics and removes both servers; safe to call twice. */
  cleanup(): Promise<void> {
    this.cleaning ??= (async () => {
      for (const c of this.children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
      await Promise.all(this.children.map((c) => c.exited));
      await Promise.all([this.big?.stop(), this.items?.stop(), this.watcher?.stop()].map((p) => p?.catch(() => undefined)));
      for (const c of this.connections) c.destroy();
      if (this.cfg) {
        const kafka = this.broker.client();
        await deleteTopics(kafka, this.cfg.name).catch(() => undefined);
        await deleteTopics(kafka, this.checkpointTopic).catch(() => undefined);
      }
      await this.broker.down();
      this.broker.remove();
      await this.server.down();
      await this.server.destroy();
    })();
    return this.cleaning;
  }

  private async connect(db?: string): Promise<mysql.Connection> {
    const conn = await this.server.connect(db);
    this.connections.push(conn);
    return conn;
  }
}

function describeEvent(e: ChaosEvent): string {
  return e.kind === 'kill' ? `+${e.afterMs} ms kill` : `+${e.afterMs} ms ${e.kind} down ${e.downMs} ms`;
}

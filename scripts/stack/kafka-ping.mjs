#!/usr/bin/env node
// Readiness probe for the local Kafka broker started by scripts/stack/kafka.sh.
//
//   node scripts/stack/kafka-ping.mjs [host:port[,host:port...]] [--timeout ms] [--verbose]
//
// Broker list: argv[2], else $KAFKA_BROKERS, else 127.0.0.1:${KAFKA_PORT:-19092}.
// Connects with kafkajs, fetches cluster metadata (describeCluster) and lists
// topics. Exit 0 when the broker answers, 1 when it does not, 2 on overall timeout.
// Run it from the repo root so `kafkajs` resolves from node_modules.
import { Kafka, logLevel } from 'kafkajs';

const args = process.argv.slice(2);
let timeoutMs = 5000;
let verbose = false;
let brokersArg;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--timeout') timeoutMs = Number(args[++i]);
  else if (a === '--verbose' || a === '-v') verbose = true;
  else if (!brokersArg) brokersArg = a;
}
const brokers = (brokersArg || process.env.KAFKA_BROKERS || `127.0.0.1:${process.env.KAFKA_PORT || 19092}`)
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

const guard = setTimeout(() => {
  if (verbose) console.error(`kafka-ping: no answer from ${brokers.join(',')} within ${timeoutMs}ms`);
  process.exit(2);
}, timeoutMs);
guard.unref();

const kafka = new Kafka({
  clientId: 'tributary-kafka-ping',
  brokers,
  connectionTimeout: Math.min(1000, timeoutMs),
  requestTimeout: Math.min(2000, timeoutMs),
  retry: { retries: 0 },
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();

try {
  await admin.connect();
  const cluster = await admin.describeCluster();
  const topics = await admin.listTopics();
  if (verbose) {
    console.log(
      `kafka-ping: ok cluster=${cluster.clusterId} controller=${cluster.controller} ` +
        `brokers=${cluster.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).join(',')} topics=${topics.length}`,
    );
  }
  await admin.disconnect().catch(() => {});
  process.exit(0);
} catch (err) {
  if (verbose) console.error(`kafka-ping: ${brokers.join(',')}: ${err?.message ?? err}`);
  await admin.disconnect().catch(() => {});
  process.exit(1);
}

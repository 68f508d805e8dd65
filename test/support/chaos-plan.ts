/**
 * Every random choice of a chaos run, drawn from one seed up front, so a run is replayed
 * by passing its seed again (TRIBUTARY_CHAOS_SEED). Only the moments are random, not what
 * the servers or the pipeline do at them: a replay repeats the same schedule, which is as
 * close to the same run as a real stack allows.
 */
import { mulberry32 } from './seeded-random.js';

export type ChaosEvent =
  /** SIGKILL the pipeline `afterMs` after the previous event, then restart it. */
  | { kind: 'kill'; afterMs: number }
  /** Stop the broker (or MariaDB) `afterMs` after the previous event, keep it down `downMs`, start it again. */
  | { kind: 'broker' | 'mariadb'; afterMs: number; downMs: number };

export interface ChaosPlanOptions {
  seed: number;
  kills: number;
  /** Outages of each kind (broker, MariaDB). */
  outages: number;
  /** The events are spread so that the last one comes about this long after the first start. */
  spanMs: number;
}

export interface ChaosPlan {
  seed: number;
  events: ChaosEvent[];
  /** Seeds of the two writers. */
  populatedWriterSeed: number;
  changeWriterSeed: number;
}

export function chaosPlan(options: ChaosPlanOptions): ChaosPlan {
  const random = mulberry32(options.seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const kinds: ChaosEvent['kind'][] = [
    ...Array<'kill'>(options.kills).fill('kill'),
    ...Array<'broker'>(options.outages).fill('broker'),
    ...Array<'mariadb'>(options.outages).fill('mariadb'),
  ];
  // Fisher-Yates: which outage comes when among the kills. The first event stays a kill,
  // so at least one lands early in the snapshot, whatever the shuffle.
  for (let i = kinds.length - 1; i > (options.kills > 0 ? 1 : 0); i--) {
    const j = int(options.kills > 0 ? 1 : 0, i);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  // Gaps average spanMs / events; some are very short, so a kill can land right after a
  // restart (the first chunks, a replay in progress) or right after an outage ends.
  const mean = options.spanMs / Math.max(1, kinds.length);
  const events = kinds.map((kind): ChaosEvent => {
    const afterMs = random() < 0.25 ? int(50, 600) : int(Math.round(mean * 0.4), Math.round(mean * 1.6));
    return kind === 'kill' ? { kind, afterMs } : { kind, afterMs, downMs: int(2_000, 5_000) };
  });
  return { seed: options.seed, events, populatedWriterSeed: int(0, 2 ** 31 - 1), changeWriterSeed: int(0, 2 ** 31 - 1) };
}

/** The seed from TRIBUTARY_CHAOS_SEED, or a new one. */
export function chaosSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.TRIBUTARY_CHAOS_SEED;
  if (given === undefined || given === '') return Math.floor(Math.random() * 2 ** 31);
  const seed = Number(given);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`TRIBUTARY_CHAOS_SEED must be a non-negative integer, not "${given}"`);
  return seed;
}

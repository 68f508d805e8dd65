/**
 * CPU time a process has used (user + system, all its threads), from /proc/<pid>/stat,
 * and the pids of the local stack's MariaDB and Kafka, so a bench can say what each side
 * of the pipeline cost during the measured interval.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const STACK_DIR = process.env.STACK_DIR ?? new URL('../.stack', import.meta.url).pathname;

export type CpuSample = Record<string, number>;

export class ProcessCpu {
  /** The stack's servers: the mariadbd of mariadb-main and Kafka's java, from their pid files. */
  static stackPids(): Record<'mariadb' | 'kafka', number> {
    const pid = (file: string) => Number(readFileSync(join(STACK_DIR, file), 'utf8').trim());
    return { mariadb: pid('mariadb-main/mariadb.pid'), kafka: pid('kafka/kafka.pid') };
  }

  /** CPU-seconds used so far by `pid`. The command name may hold spaces and parentheses: fields count from the last ')'. */
  static seconds(pid: number): number {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12 here.
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  }

  private before: CpuSample = {};

  constructor(private readonly pids: Record<string, number>) {}

  start(): void {
    this.before = this.sample();
  }

  /** CPU-seconds each named process used since start(), to the hundredth. */
  stop(): CpuSample {
    const after = this.sample();
    return Object.fromEntries(Object.keys(this.pids).map((k) => [k, Math.round((after[k]! - this.before[k]!) * 100) / 100]));
  }

  private sample(): CpuSample {
    return Object.fromEntries(Object.entries(this.pids).map(([k, pid]) => [k, ProcessCpu.seconds(pid)]));
  }
}

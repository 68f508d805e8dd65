/**
 * Runs one workload bench script in a process of its own (so its Tributary's peak RSS and
 * CPU are its own), echoes what it prints to stderr, and returns its BENCH_RESULT, or null
 * when it failed.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BenchPipeline, type BenchResult } from './bench-pipeline.js';

export async function runBenchScript(script: string, env: NodeJS.ProcessEnv = {}, args: string[] = []): Promise<BenchResult | null> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  console.error(`# ${path} ${args.join(' ')}`);
  const child = spawn(process.execPath, ['--import', 'tsx', path, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    process.stderr.write(d);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = out.split('\n').filter((l) => l.startsWith(BenchPipeline.RESULT_PREFIX)).at(-1);
  if (code !== 0 || !line) {
    console.error(`# ${script} failed (exit ${code})`);
    return null;
  }
  return JSON.parse(line.slice(BenchPipeline.RESULT_PREFIX.length)) as BenchResult;
}

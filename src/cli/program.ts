import { Command } from 'commander';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('tributary')
    .description('Publish every committed MySQL/MariaDB row change to Kafka as Avro change envelopes')
    .version(pkg.version);
  return program;
}

import { Command, Option } from 'commander';
import type { LogFormat, LogLevel } from '../logger.js';
import { startCommand } from './start-command.js';
import { validateCommand } from './validate-command.js';
import { schemasCommand } from './schemas-command.js';
import { snapshotCommand } from './snapshot-command.js';
import { statusCommand } from './status-command.js';
import { resetCommand } from './reset-command.js';
import { tailCommand, type TailOptions } from './tail-command.js';

import { TRIBUTARY_VERSION } from '../version.js';

export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command();
  program
    .name('tributary')
    .description('Publish every committed MySQL/MariaDB row change to Kafka as Avro change envelopes')
    .version(TRIBUTARY_VERSION)
    .showHelpAfterError();

  const logLevel = new Option('--log-level <level>', 'debug | info | warn | error').choices(['debug', 'info', 'warn', 'error']).default('info');

  program
    .command('start')
    .description('run one pipeline until SIGINT/SIGTERM: stream the binlog into Kafka, checkpointing as it goes')
    .requiredOption('-c, --config <file>', 'pipeline config (TOML)')
    .addOption(logLevel)
    .addOption(new Option('--log-format <format>', 'text | json (default: json when stderr is not a terminal)').choices(['text', 'json']))
    .action(async (opts: { config: string; logLevel: LogLevel; logFormat?: LogFormat }) => setExitCode(await startCommand(opts)));

  program
    .command('validate')
    .description('check a pipeline config and print every problem with its key path')
    .requiredOption('-c, --config <file>', 'pipeline config (TOML)')
    .action(async (opts: { config: string }) => setExitCode(await validateCommand(opts)));

  program
    .command('schemas')
    .description('print the Avro schemas published on the pipeline\'s schemas topic (in registry mode, first the registry subjects of its topics)')
    .requiredOption('-c, --config <file>', 'pipeline config (TOML)')
    .action(async (opts: { config: string }) => setExitCode(await schemasCommand(opts)));

  program
    .command('snapshot')
    .description('snapshot tables again while the pipeline streams (for a new table or a repaired consumer)')
    .requiredOption('-c, --config <file>', 'pipeline config (TOML)')
    .requiredOption('-t, --tables <list>', 'comma-separated db.table names')
    .action(async (opts: { config: string; tables: string }) => setExitCode(await snapshotCommand(opts)));

  program
    .command('status')
    .description("print the pipeline's checkpoint and each table's snapshot progress (rows, rate, ETA)")
    .requiredOption('-c, --config <file>', 'pipeline config (TOML)')
    .action(async (opts: { config: string }) => setExitCode(await statusCommand(opts)));

  program
    .command('reset')
    .description("delete the pipeline's checkpoint so the next start begins afresh; stop the pipeline first")
    .requiredOption('-c, --config <file>', 'pipeline config (TOML)')
    .option('--yes', 'really delete (there is no prompt; without it nothing is deleted and the exit code is 1)')
    .addHelpText(
      'after',
      '\nStop the pipeline before running this: a running pipeline writes a new checkpoint at its next save,\n' +
        'undoing the reset. The next start then takes a new snapshot (snapshot.mode "initial" or "when_needed")\n' +
        'or begins at the current end of the binlog (snapshot.mode "never").\n',
    )
    .action(async (opts: { config: string; yes?: boolean }) => setExitCode(await resetCommand(opts)));

  program
    .command('tail')
    .description("print a topic's messages as JSON lines, every value exact (decimals and longs as strings, bytes as base64)")
    .requiredOption('-c, --config <file>', 'pipeline config (TOML)')
    .option('--topic <topic>', 'the topic to read')
    .option('--table <db.table>', "the table whose topic to read (the pipeline's routing applies)")
    .option('--from-beginning', 'start at the oldest message (default: at the end, printing only new ones)')
    .option('--follow', 'keep waiting for new messages until SIGINT (default: stop at the end offsets taken at start)')
    .option('--max <n>', 'stop after n messages')
    .action(async (opts: TailOptions) => setExitCode(await tailCommand(opts)));

  return program;
}

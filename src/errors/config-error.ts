import { TributaryError } from './tributary-error.js';

export interface ConfigIssue {
  /** Dotted key path into the config file, e.g. `source.port` or `routes[1].topic`. */
  path: string;
  message: string;
}

/** A config that cannot run. Names every offending key path, not just the first. */
export class ConfigError extends TributaryError {
  readonly issues: readonly ConfigIssue[];
  readonly file: string | undefined;

  constructor(issues: readonly ConfigIssue[], file?: string, cause?: unknown) {
    const where = file ? ` in ${file}` : '';
    const lines = issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`);
    super(`invalid config${where}:\n${lines.join('\n')}`, {
      code: 'CONFIG_INVALID',
      retriable: false,
      fix: 'correct the keys listed above; `tributary validate --config <file>` checks a file without starting',
      cause,
    });
    this.issues = issues;
    this.file = file;
  }
}

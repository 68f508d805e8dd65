import { loadConfig } from '../config/load-config.js';
import { reportError } from './report-error.js';

export async function validateCommand(opts: { config: string }): Promise<number> {
  try {
    const config = await loadConfig(opts.config);
    process.stdout.write(`${opts.config}: valid (pipeline "${config.name}")\n`);
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

import { TributaryError } from '../errors/tributary-error.js';

/** 2 for a config the user must fix before anything can run, 1 for every other failure. */
export function exitCodeOf(err: TributaryError): number {
  return err.code === 'CONFIG_INVALID' || err.code === 'CONFIG_NOT_FOUND' ? 2 : 1;
}

/** Prints an error for a person: what went wrong, then what to do. Returns the exit code. */
export function reportError(err: unknown, write: (text: string) => void = (t) => process.stderr.write(t)): number {
  if (err instanceof TributaryError) {
    write(`tributary: ${err.describe()}\n`);
    return exitCodeOf(err);
  }
  write(`tributary: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}

import { readFileSync } from 'node:fs';

/** Tributary's version from package.json, published as `source.version`. */
export const TRIBUTARY_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

import { parse as parseToml, TomlError } from 'smol-toml';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { didYouMean } from './did-you-mean.js';
import { interpolateEnv, type Environment } from './interpolate-env.js';
import { keyPath } from './key-path.js';
import { pipelineConfigSchema, type PipelineConfig } from './pipeline-config.js';

/**
 * Parses and validates the text of a pipeline config file. Throws a ConfigError that
 * lists every problem (syntax, unset variables, unknown keys, wrong values), each
 * with its key path, so one edit-run cycle fixes them all.
 */
export function parseConfig(text: string, file?: string, env: Environment = process.env): PipelineConfig {
  let document: unknown;
  try {
    document = parseToml(text);
  } catch (err) {
    if (err instanceof TomlError) throw new ConfigError([{ path: '', message: describeTomlError(err) }], file, err);
    throw err;
  }

  const interpolated = interpolateEnv(document, env);
  const result = pipelineConfigSchema.safeParse(interpolated.value, { reportInput: true });
  // A value whose variable is unset fails validation too; the variable is the news.
  const unresolved = new Set(interpolated.issues.map((i) => i.path));
  const issues: ConfigIssue[] = [...interpolated.issues];
  if (!result.success) {
    for (const issue of result.error.issues) {
      for (const converted of toConfigIssues(issue)) {
        if (!unresolved.has(converted.path)) issues.push(converted);
      }
    }
  }
  if (issues.length > 0 || !result.success) throw new ConfigError(issues, file);
  return result.data;
}

/** Keys that moved, by their old path: a config written for an older version is told where to. */
const MOVED: Record<string, string> = {
  'registry.ca_file': 'registry.tls.ca',
  'registry.cert_file': 'registry.tls.cert',
  'registry.key_file': 'registry.tls.key',
  'registry.reject_unauthorized': 'registry.tls.check_hostname (the CA is always checked; set registry.tls.ca to yours)',
};

function toConfigIssues(issue: z.core.$ZodIssue): ConfigIssue[] {
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(pipelineConfigSchema, issue.path);
    return issue.keys.map((key) => {
      const moved = MOVED[keyPath([...issue.path, key])];
      if (moved) return { path: keyPath([...issue.path, key]), message: `unknown key (moved to ${moved})` };
      const guess = didYouMean(key, known);
      const hint = guess ? ` (did you mean "${guess}"?)` : known.length > 0 ? ` (known keys: ${known.join(', ')})` : '';
      return { path: keyPath([...issue.path, key]), message: `unknown key${hint}` };
    });
  }
  const path = keyPath(issue.path);
  // A rule between keys (not one value's shape) says all there is to say itself.
  if (issue.code === 'custom' && (issue.params as { standalone?: boolean } | undefined)?.standalone) return [{ path, message: issue.message }];
  // reportInput leaves `input` out when the key is absent.
  if (!('input' in issue) || issue.input === undefined) {
    return [{ path, message: `missing required key (${issue.message})` }];
  }
  return [{ path, message: `${issue.message}, got ${describeValue(issue.input)}` }];
}

/** The keys a strict table at `path` accepts, found by walking the schema itself. */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: unknown = schema;
  const unwrap = (n: unknown): unknown => {
    for (;;) {
      if (n instanceof z.ZodPipe) n = n.in;
      else if (n instanceof z.ZodDefault || n instanceof z.ZodPrefault || n instanceof z.ZodOptional) n = n.unwrap();
      else return n;
    }
  };
  for (const segment of path) {
    node = unwrap(node);
    if (node instanceof z.ZodObject && typeof segment === 'string') node = (node.shape as Record<string, unknown>)[segment];
    else if (node instanceof z.ZodArray && typeof segment === 'number') node = node.element;
    else return [];
  }
  node = unwrap(node);
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return `the date-time ${v.toISOString()}`;
  if (Array.isArray(v)) return v.length === 0 ? 'an empty array' : 'an array';
  if (typeof v === 'object' && v !== null) return 'a table';
  return String(v);
}

function describeTomlError(err: TomlError): string {
  const [first = err.message, ...rest] = err.message.split('\n');
  const what = first.replace(/^Invalid TOML document:\s*/, '');
  const excerpt = rest.filter((l) => l.trim() !== '').map((l) => `      ${l}`);
  return [`TOML syntax error at line ${err.line}, column ${err.column}: ${what}`, ...excerpt].join('\n');
}

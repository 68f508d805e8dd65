import type { ConfigIssue } from '../errors/config-error.js';
import { keyPath } from './key-path.js';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface Interpolated {
  value: unknown;
  issues: ConfigIssue[];
}

// `$${` is the escape for a literal `${`; a `${` without `}` is reported, not kept.
const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const INNER = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string value (not in keys) of a
 * parsed TOML document. Every unset variable is reported with the key that uses it,
 * so one run lists all variables a deployment forgot.
 */
export function interpolateEnv(value: unknown, env: Environment): Interpolated {
  const issues: ConfigIssue[] = [];
  const walk = (v: unknown, path: PropertyKey[]): unknown => {
    if (typeof v === 'string') return v.includes('${') ? substitute(v, keyPath(path), env, issues) : v;
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, i]));
    if (isPlainTable(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = walk(item, [...path, k]);
      return out;
    }
    return v;
  };
  return { value: walk(value, []), issues };
}

function substitute(text: string, path: string, env: Environment, issues: ConfigIssue[]): string {
  return text.replace(REFERENCE, (match: string, inner: string | undefined) => {
    if (match === '$${') return '${';
    if (inner === undefined) {
      issues.push({ path, message: 'unterminated "${" (write "$${" for a literal "${")' });
      return match;
    }
    const m = INNER.exec(inner);
    if (!m) {
      issues.push({
        path,
        message: `"\${${inner}}" is not a variable reference; use \${NAME} or \${NAME:-default} with NAME of letters, digits and "_"`,
      });
      return match;
    }
    const name = m[1] as string;
    const fallback = m[2];
    const set = env[name];
    if (fallback !== undefined) return set === undefined || set === '' ? fallback : set;
    if (set === undefined) {
      issues.push({
        path,
        message: `environment variable ${name} is not set (set it, or write \${${name}:-default} for a fallback)`,
      });
      return match;
    }
    return set;
  });
}

function isPlainTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !(v instanceof Date) && !Array.isArray(v);
}

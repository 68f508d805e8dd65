const VALID_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `text` as a valid Avro name (`[A-Za-z_][A-Za-z0-9_]*`): every other character becomes
 * `_`, and a leading digit (or an empty text) gets a `_` in front. MySQL allows almost
 * anything in identifiers; Avro does not.
 */
export function toAvroName(text: string): string {
  if (VALID_NAME.test(text)) return text;
  const replaced = text.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(replaced) ? replaced : `_${replaced}`;
}

/** A dotted namespace with every part made a valid Avro name; empty parts are dropped. */
export function toAvroNamespace(parts: readonly string[]): string {
  return parts
    .flatMap((part) => part.split('.'))
    .filter((part) => part !== '')
    .map(toAvroName)
    .join('.');
}

/**
 * Avro field names for `names`, in the same order, all valid and all distinct. Names that
 * are valid already keep their spelling, so sanitizing one column can never rename
 * another; a sanitized name that collides gets the first free `_2`, `_3`... suffix.
 */
export function toAvroFieldNames(names: readonly string[]): string[] {
  const taken = new Set(names.filter((name) => VALID_NAME.test(name)));
  return names.map((name) => {
    if (VALID_NAME.test(name)) return name;
    const base = toAvroName(name);
    let candidate = base;
    for (let n = 2; taken.has(candidate); n++) candidate = `${base}_${n}`;
    taken.add(candidate);
    return candidate;
  });
}

/** A MySQL identifier in backticks, a backtick inside it doubled. */
export function quoteName(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

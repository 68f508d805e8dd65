/**
 * The members of an ENUM or SET as its COLUMN_TYPE declares them, in definition order:
 * `enum('a','it''s')` -> `['a', "it's"]`. MySQL doubles a quote inside a member, and keeps
 * the members' case, so this reads the COLUMN_TYPE as the server spells it (not lowered).
 * Published as Debezium's `allowed` parameter; a COLUMN_TYPE without members gives [].
 */
export function enumMembers(columnType: string): string[] {
  const open = columnType.indexOf('(');
  if (open < 0) return [];
  const members: string[] = [];
  let i = open + 1;
  while (i < columnType.length && columnType[i] === "'") {
    let member = '';
    i++;
    for (;;) {
      const quote = columnType.indexOf("'", i);
      if (quote < 0) return members;
      member += columnType.slice(i, quote);
      if (columnType[quote + 1] === "'") {
        member += "'";
        i = quote + 2;
        continue;
      }
      i = quote + 1;
      break;
    }
    members.push(member);
    if (columnType[i] === ',') i++;
  }
  return members;
}

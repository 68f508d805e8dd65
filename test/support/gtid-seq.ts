/**
 * The sequence number of one GTID domain in a MariaDB GTID or GTID position
 * ('0-1-123' or '0-1-123,1-5-9'), or the highest transaction number in a MySQL GTID set
 * ('3e11fa47-…:1-57' from the test stack's one server; tagged intervals are skipped).
 * Within a domain (or server uuid), numbers grow with commit order, so they compare
 * "before" and "after" across transactions and checkpoints.
 */
export function gtidSeq(gtid: string, domain = 0): number {
  if (gtid.includes(':')) return mysqlGtidSeq(gtid);
  for (const part of gtid.split(',')) {
    const m = /^\s*(\d+)-(\d+)-(\d+)\s*$/.exec(part);
    if (!m) throw new Error(`not a MariaDB GTID: "${part}" in "${gtid}"`);
    if (Number(m[1]) === domain) return Number(m[3]);
  }
  throw new Error(`GTID position "${gtid}" has no domain ${domain}`);
}

function mysqlGtidSeq(set: string): number {
  let max = -1;
  for (const member of set.split(',')) {
    const [uuid, ...rest] = member.trim().split(':');
    if (!uuid || !/^[0-9a-f-]{36}$/i.test(uuid)) throw new Error(`not a MySQL GTID set: "${set}"`);
    let tagged = false;
    for (const item of rest) {
      // A tag applies to the intervals after it, until the next tag.
      if (/^[a-z_]/i.test(item)) {
        tagged = true;
        continue;
      }
      if (tagged) continue;
      const end = Number(item.split('-').at(-1));
      if (end > max) max = end;
    }
  }
  if (max < 0) throw new Error(`MySQL GTID set "${set}" has no untagged transaction`);
  return max;
}

/**
 * The sequence number of one GTID domain in a MariaDB GTID or GTID position
 * ('0-1-123' or '0-1-123,1-5-9'). Within a domain, sequence numbers grow with commit
 * order, so they compare "before" and "after" across transactions and checkpoints.
 */
export function gtidSeq(gtid: string, domain = 0): number {
  for (const part of gtid.split(',')) {
    const m = /^\s*(\d+)-(\d+)-(\d+)\s*$/.exec(part);
    if (!m) throw new Error(`not a MariaDB GTID: "${part}" in "${gtid}"`);
    if (Number(m[1]) === domain) return Number(m[3]);
  }
  throw new Error(`GTID position "${gtid}" has no domain ${domain}`);
}

/**
 * A set of executed GTIDs, as the GTID watermarks compare them: a MySQL GTID set
 * (`uuid:1-5:8,uuid2[:tag]:1-3`, intervals per source) or a MariaDB GTID position
 * (`0-1-100,1-2-7`, the last sequence number per replication domain), told apart by the
 * shape of each entry. Sequence numbers are plain numbers: exact up to 2^53 transactions
 * per source, far past any server's life.
 *
 * MariaDB's sequence numbers are totally ordered within a domain (gtid_strict_mode keeps
 * them so), so "d-s-n is in the set" means "the set's domain d has reached n", whichever
 * server id wrote it: after a failover inside a domain the numbers go on from where the
 * old primary left them.
 */
export class ExecutedGtids {
  /** MySQL: `uuid` or `uuid:tag` to sorted, coalesced [start, end] intervals. */
  private readonly sources = new Map<string, [number, number][]>();
  /** MariaDB: domain to the last sequence number. */
  private readonly domains = new Map<number, number>();
  /** MariaDB: the server id of each domain's last transaction (for messages only). */
  private readonly servers = new Map<number, string>();

  static parse(text: string | null | undefined): ExecutedGtids {
    const set = new ExecutedGtids();
    for (const raw of (text ?? '').split(',')) {
      const entry = raw.replace(/\s/g, '');
      if (entry === '') continue;
      if (!entry.includes(':')) {
        set.add(entry);
        continue;
      }
      const parts = entry.split(':');
      const uuid = parts[0]!.toLowerCase();
      let source = uuid;
      for (const item of parts.slice(1)) {
        if (/^[A-Za-z_]/.test(item)) {
          source = `${uuid}:${item.toLowerCase()}`;
          continue;
        }
        const [a, b] = item.split('-');
        const start = number(a, entry);
        set.addInterval(source, start, b === undefined ? start : number(b, entry));
      }
    }
    return set;
  }

  /** Adds one transaction: `uuid[:tag]:n` (MySQL) or `d-s-n` (MariaDB). */
  add(gtid: string): void {
    const mysql = splitMysql(gtid);
    if (mysql) {
      this.addInterval(mysql.source, mysql.n, mysql.n);
      return;
    }
    const { domain, server, seq } = splitMariadb(gtid);
    if ((this.domains.get(domain) ?? -1) >= seq) return;
    this.domains.set(domain, seq);
    this.servers.set(domain, server);
  }

  /** Adds every transaction of `other`. */
  addAll(other: ExecutedGtids): void {
    for (const [source, intervals] of other.sources) for (const [s, e] of intervals) this.addInterval(source, s, e);
    for (const [domain, seq] of other.domains) {
      if ((this.domains.get(domain) ?? -1) >= seq) continue;
      this.domains.set(domain, seq);
      this.servers.set(domain, other.servers.get(domain) ?? '0');
    }
  }

  /** Whether one transaction is in the set. */
  contains(gtid: string): boolean {
    const mysql = splitMysql(gtid);
    if (mysql) return (this.sources.get(mysql.source) ?? []).some(([s, e]) => mysql.n >= s && mysql.n <= e);
    const { domain, seq } = splitMariadb(gtid);
    const last = this.domains.get(domain);
    return last !== undefined && seq <= last;
  }

  /** Whether every transaction of `other` is in this set. */
  covers(other: ExecutedGtids): boolean {
    for (const [domain, seq] of other.domains) {
      if ((this.domains.get(domain) ?? -1) < seq) return false;
    }
    for (const [source, intervals] of other.sources) {
      const mine = this.sources.get(source) ?? [];
      for (const [s, e] of intervals) {
        if (!mine.some(([ms, me]) => ms <= s && e <= me)) return false;
      }
    }
    return true;
  }

  toString(): string {
    const mysql = [...this.sources].map(([source, iv]) => `${source}:${iv.map(([s, e]) => (s === e ? `${s}` : `${s}-${e}`)).join(':')}`);
    const mariadb = [...this.domains].map(([d, seq]) => `${d}-${this.servers.get(d)}-${seq}`);
    return [...mysql, ...mariadb].join(',');
  }

  private addInterval(source: string, start: number, end: number): void {
    const list = this.sources.get(source);
    if (!list) {
      this.sources.set(source, [[start, end]]);
      return;
    }
    // The common case, one transaction after the last: extend the last interval in place.
    const last = list[list.length - 1]!;
    if (start >= last[0] && start <= last[1] + 1) {
      if (end > last[1]) last[1] = end;
      return;
    }
    list.push([start, end]);
    list.sort((x, y) => x[0] - y[0]);
    const merged: [number, number][] = [list[0]!];
    for (let i = 1; i < list.length; i++) {
      const top = merged[merged.length - 1]!;
      const next = list[i]!;
      if (next[0] <= top[1] + 1) top[1] = Math.max(top[1], next[1]);
      else merged.push(next);
    }
    this.sources.set(source, merged);
  }
}

function number(text: string | undefined, entry: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text ?? '') || !Number.isSafeInteger(n)) throw new Error(`not a GTID set entry: "${entry}"`);
  return n;
}

function splitMysql(gtid: string): { source: string; n: number } | null {
  const i = gtid.lastIndexOf(':');
  if (i < 0) return null;
  return { source: gtid.slice(0, i).toLowerCase(), n: number(gtid.slice(i + 1), gtid) };
}

function splitMariadb(gtid: string): { domain: number; server: string; seq: number } {
  const parts = gtid.split('-');
  if (parts.length !== 3) throw new Error(`not a GTID: "${gtid}"`);
  return { domain: number(parts[0], gtid), server: String(number(parts[1], gtid)), seq: number(parts[2], gtid) };
}

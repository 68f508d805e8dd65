/**
 * A MySQL/MariaDB coordinate: what a restart needs to continue exactly after the
 * last fully delivered transaction. "Position" always means MySQL coordinates;
 * "offset" is reserved for Kafka.
 */
export interface Position {
  /**
   * Executed GTIDs after the transaction: a MySQL GTID set (`uuid:1-27,...`) or a
   * MariaDB GTID position (`0-1-1234,...`). Null on MySQL servers without GTIDs.
   */
  gtid: string | null;
  /** Binlog file and the offset just after the transaction's commit event. */
  file: string;
  pos: number;
}

export function positionToString(p: Position): string {
  return p.gtid ? `gtid ${p.gtid} (${p.file}:${p.pos})` : `${p.file}:${p.pos}`;
}

/**
 * The GTID of a test connection's last commit. MariaDB keeps it in @@last_gtid. MySQL has no
 * such variable: with session_track_gtids = OWN_GTID it sends the GTID in the OK packet of
 * each commit, which mysql2 parses into the result header's stateChanges; the connections
 * that adminConnection() opens on MySQL record it here.
 */
import type mysql from 'mysql2/promise';

const ownGtids = new WeakMap<object, string>();

/** On MySQL: asks the server for its own GTIDs and records them as each query returns. */
export async function trackOwnGtids(conn: mysql.Connection): Promise<void> {
  await conn.query('SET SESSION session_track_gtids = OWN_GTID');
  const query = conn.query.bind(conn) as (...args: unknown[]) => Promise<[unknown, unknown]>;
  (conn as unknown as { query: unknown }).query = async (...args: unknown[]) => {
    const result = await query(...args);
    const headers = Array.isArray(result[0]) ? (result[0] as unknown[]) : [result[0]];
    for (const header of headers) {
      const gtids = (header as { stateChanges?: { gtids?: string[] } } | null)?.stateChanges?.gtids;
      if (gtids && gtids.length > 0 && gtids[0]) ownGtids.set(conn, gtids.join(','));
    }
    return result;
  };
}

/** The GTID of the connection's last commit, in the server's own notation. */
export async function lastGtid(conn: mysql.Connection): Promise<string> {
  const tracked = ownGtids.get(conn);
  if (tracked !== undefined) return tracked;
  const [rows] = await conn.query('SELECT @@last_gtid AS g');
  const g = (rows as { g: string | null }[])[0]?.g;
  if (!g) throw new Error('this connection has committed nothing yet (no last GTID)');
  return g;
}

import type mysql from 'mysql2/promise';

/** The rows `sql` selects, as plain objects (comparable with deepEqual to decoded records). */
export async function tableRows(conn: mysql.Connection, sql: string): Promise<Record<string, unknown>[]> {
  const [rows] = await conn.query(sql);
  return (rows as Record<string, unknown>[]).map((r) => ({ ...r }));
}

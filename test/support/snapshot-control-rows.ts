import { adminConnection } from './stack.js';

/** Removes a pipeline's rows from the shared _tributary control tables (they outlive its database). */
export async function dropControlRows(pipeline: string): Promise<void> {
  const conn = await adminConnection();
  try {
    await conn.query('DELETE FROM _tributary.watermarks WHERE pipeline = ?', [pipeline]);
    await conn.query('DELETE FROM _tributary.signals WHERE pipeline = ?', [pipeline]);
  } finally {
    await conn.end();
  }
}

/** An Oracle MySQL of one test's own (scripts/stack/mysql.sh), e.g. to restart it or change its gtid_mode; see DedicatedServer. */
import { DedicatedServer } from './dedicated-server.js';

export type GtidMode = 'OFF' | 'OFF_PERMISSIVE' | 'ON_PERMISSIVE' | 'ON';

export class DedicatedMysql extends DedicatedServer {
  constructor(options: { instance: string; port: number; serverId: number; gtidMode?: GtidMode; extraArgs?: string }) {
    super('mysql.sh', options.port, {
      MYSQL_INSTANCE: options.instance,
      MYSQL_PORT: String(options.port),
      MYSQL_SERVER_ID: String(options.serverId),
      MYSQL_GTID_MODE: options.gtidMode ?? 'ON',
      MYSQL_EXTRA_ARGS: options.extraArgs ?? '',
    });
  }
}

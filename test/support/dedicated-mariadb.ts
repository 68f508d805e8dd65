/** A MariaDB of one test's own (scripts/stack/mariadb.sh); see DedicatedServer. */
import { join } from 'node:path';
import { DedicatedServer } from './dedicated-server.js';

/** The REQUIRE SSL user mariadb.sh adds with MARIADB_TLS=1. */
export const TLS_USER = { user: 'tributary_tls', password: 'tributary-tls-secret' } as const;

const REPO = new URL('../..', import.meta.url).pathname;

export class DedicatedMariadb extends DedicatedServer {
  /** With `tls`: where mariadb.sh put the certificates of tls-certs.sh. */
  readonly tlsDir: string;

  constructor(options: { instance: string; port: number; serverId: number; extraArgs?: string; tls?: boolean }) {
    super('mariadb.sh', options.port, {
      MARIADB_INSTANCE: options.instance,
      MARIADB_PORT: String(options.port),
      MARIADB_SERVER_ID: String(options.serverId),
      ...(options.extraArgs === undefined ? {} : { MARIADB_EXTRA_ARGS: options.extraArgs }),
      ...(options.tls ? { MARIADB_TLS: '1' } : {}),
    });
    this.tlsDir = join(process.env.STACK_DIR ?? join(REPO, '.stack'), `mariadb-${options.instance}`, 'tls');
  }
}

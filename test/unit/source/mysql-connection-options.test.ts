import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mysqlConnectionOptions, type TlsMode } from '../../../src/source/mysql-connection-options.js';

const CA = Buffer.from('ca');
const CERT = Buffer.from('cert');
const KEY = Buffer.from('key');
const endpoint = (mode: TlsMode) => ({ host: 'db', port: 3306, user: 'u', password: 'p', tls: { mode, ca: CA, cert: CERT, key: KEY } });

describe('mysqlConnectionOptions: source.tls.mode as MySQL\'s --ssl-mode', () => {
  it('disabled asks for no TLS', async () => {
    assert.equal((await mysqlConnectionOptions(endpoint('disabled'))).ssl, undefined);
    assert.equal((await mysqlConnectionOptions({ host: 'db', port: 3306, user: 'u', password: 'p' })).ssl, undefined);
  });

  it('required encrypts without checking the certificate, and never trusts a CA it does not check', async () => {
    assert.deepEqual((await mysqlConnectionOptions(endpoint('required'))).ssl, { rejectUnauthorized: false, verifyIdentity: false, cert: CERT, key: KEY });
  });

  it('verify_ca checks the chain, verify_identity the chain and the host name', async () => {
    assert.deepEqual((await mysqlConnectionOptions(endpoint('verify_ca'))).ssl, { rejectUnauthorized: true, verifyIdentity: false, ca: CA, cert: CERT, key: KEY });
    assert.deepEqual((await mysqlConnectionOptions(endpoint('verify_identity'))).ssl, { rejectUnauthorized: true, verifyIdentity: true, ca: CA, cert: CERT, key: KEY });
  });
});

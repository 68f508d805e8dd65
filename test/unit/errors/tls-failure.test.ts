import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tlsFailure, type TlsSettings } from '../../../src/errors/tls-failure.js';

const KEYS: TlsSettings = {
  peer: 'X',
  ca: 'x.tls.ca',
  hostname: 'x.tls.check_hostname = false',
  clientCert: 'x.tls.cert and x.tls.key',
  enabled: 'x.tls.enabled',
  doing: 'connect',
};
const err = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('tlsFailure', () => {
  it('names the CA key for an untrusted chain and the host name key for a wrong name; neither retriable', () => {
    const untrusted = tlsFailure(err('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'), KEYS)!;
    assert.equal(untrusted.code, 'TLS_UNTRUSTED');
    assert.match(untrusted.fix!, /set x\.tls\.ca to/);
    const host = tlsFailure({ name: 'KafkaJSNumberOfRetriesExceeded', cause: err('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames") }, KEYS)!;
    assert.equal(host.code, 'TLS_HOSTNAME');
    assert.match(host.fix!, /x\.tls\.check_hostname = false/);
    assert.equal(untrusted.retriable || host.retriable, false);
  });

  it("reads Node's reason from the message where mysql2 replaced the code", () => {
    assert.equal(tlsFailure(err('HANDSHAKE_SSL_ERROR', 'self-signed certificate in certificate chain'), KEYS)!.code, 'TLS_UNTRUSTED');
    assert.equal(tlsFailure(err('HANDSHAKE_SSL_ERROR', "Hostname/IP does not match certificate's altnames: Host: a"), KEYS)!.code, 'TLS_HOSTNAME');
    assert.equal(tlsFailure(err('HANDSHAKE_SSL_ERROR', 'ssl3_read_bytes:sslv3 alert bad certificate'), KEYS)!.code, 'TLS_CLIENT_CERT');
  });

  it('leaves other errors alone', () => {
    assert.equal(tlsFailure(err('ECONNREFUSED', 'connect ECONNREFUSED'), KEYS), null);
    assert.equal(tlsFailure('text', KEYS), null);
  });
});

import { TributaryError } from './tributary-error.js';

/** Which settings a TLS failure points at, in the words of the client's config section. */
export interface TlsSettings {
  /** The server, for the message: "Kafka broker 127.0.0.1:9093". */
  peer: string;
  /** The CA key, e.g. `kafka.tls.ca`. */
  ca: string;
  /** What turns the host name check off, e.g. `kafka.tls.check_hostname = false`. */
  hostname: string;
  /** The client certificate keys, e.g. `kafka.tls.cert and kafka.tls.key`. */
  clientCert: string;
  /** What says TLS is used at all, e.g. `kafka.tls.enabled`. */
  enabled: string;
  /** Doing what, for the message. */
  doing: string;
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
// OpenSSL alerts the server sends about this client's own certificate.
const CLIENT_CERT = /^ERR_SSL_.*ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|HANDSHAKE_FAILURE)/;

/**
 * A TLS verification failure anywhere in an error's cause chain, as a TributaryError that
 * names the setting to fix; null when the error is not one. Never retriable: the same
 * certificate fails the same way on every attempt. Shared by the kafka, mysql and registry
 * edges, which each say which of their keys are meant.
 */
export function tlsFailure(err: unknown, settings: TlsSettings): TributaryError | null {
  const found = find(err);
  if (!found) return null;
  const { code, message } = found;
  const head = `TLS to ${settings.peer} failed while trying to ${settings.doing}`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new TributaryError(`${head}: the server's certificate is not for the host name connected to (${message})`, {
      code: 'TLS_HOSTNAME',
      fix: `connect by a name the certificate lists (its subject alternative names), or have a certificate issued for this one; ${settings.hostname} skips the check (the chain is still verified)`,
      cause: err,
    });
  }
  if (UNTRUSTED.has(code)) {
    return new TributaryError(`${head}: the server's certificate is not signed by a trusted CA (${code}: ${message.trim()})`, {
      code: 'TLS_UNTRUSTED',
      fix: `set ${settings.ca} to the PEM file of the CA that signed the server's certificate`,
      cause: err,
    });
  }
  if (EXPIRED.has(code)) {
    return new TributaryError(`${head}: the server's certificate is outside its validity period (${code})`, {
      code: 'TLS_UNTRUSTED',
      fix: `renew the server's certificate (check this host's clock too); ${settings.ca} cannot help`,
      cause: err,
    });
  }
  if (!CLIENT_CERT.test(code)) {
    return new TributaryError(`${head}: the TLS handshake failed (${code}: ${message.trim()})`, {
      code: 'TLS_HANDSHAKE',
      fix: `check that the server expects TLS on this port (${settings.enabled}) and accepts a TLS version and cipher this client offers`,
      cause: err,
    });
  }
  return new TributaryError(`${head}: the server refused this client's certificate (${message.trim()})`, {
    code: 'TLS_CLIENT_CERT',
    fix: `set ${settings.clientCert} to a certificate (and its key) that the server's CA signed`,
    cause: err,
  });
}

// mysql2 replaces the code of a failed handshake with its own (HANDSHAKE_SSL_ERROR), so
// Node's code is recovered from Node's message.
const BY_MESSAGE: [RegExp, string][] = [
  [/does not match certificate's altnames/i, 'ERR_TLS_CERT_ALTNAME_INVALID'],
  [/unable to verify the first certificate/i, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  [/self[- ]signed certificate in certificate chain/i, 'SELF_SIGNED_CERT_IN_CHAIN'],
  [/self[- ]signed certificate/i, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  [/unable to get (local )?issuer certificate/i, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
  [/certificate has expired/i, 'CERT_HAS_EXPIRED'],
  [/certificate is not yet valid/i, 'CERT_NOT_YET_VALID'],
  [/alert (certificate required|bad certificate|unknown ca|certificate unknown)/i, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'],
];

/** Node's certificate codes, or an OpenSSL error of the handshake. */
function find(err: unknown): { code: string; message: string } | null {
  let e = err as { code?: unknown; message?: unknown; cause?: unknown; originalError?: unknown } | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 6; depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    const message = typeof e.message === 'string' ? e.message : '';
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || UNTRUSTED.has(code) || EXPIRED.has(code)) return { code, message };
    if (/^ERR_SSL_/.test(code)) return { code, message };
    if (code === 'HANDSHAKE_SSL_ERROR') {
      const known = BY_MESSAGE.find(([re]) => re.test(message));
      return { code: known ? known[1] : 'ERR_SSL_HANDSHAKE', message };
    }
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return null;
}

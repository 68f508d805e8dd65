#!/usr/bin/env bash
# scripts/stack/tls-certs.sh <dir> — a throwaway CA and certificates for the local stack's
# TLS listeners (kafka.sh with KAFKA_SASL_SSL_PORT, mariadb.sh with MARIADB_TLS=1). Made
# once per directory with openssl; nothing here is ever trusted outside the tests.
#
#   ca.pem, ca.key                 the CA that signs everything below
#   server.pem, server.key         the server: SAN IP:127.0.0.1 and DNS:localhost
#   wrong-host.pem, wrong-host.key a server certificate of the same CA for another name
#                                  (DNS:wrong-host.invalid), for host name checks
#   client.pem, client.key         a client certificate (CN tributary-client) of the same CA
#   other-ca.pem                   a CA that signed none of these: trusting it must fail
# Keys are unencrypted PKCS#8 RSA 2048; certificates are valid for 10 years.
set -euo pipefail

dir="${1:?usage: tls-certs.sh <dir>}"
[[ -f "$dir/.complete" ]] && exit 0
command -v openssl >/dev/null 2>&1 || { echo "tls-certs.sh: openssl is required (apt-get install -y openssl)" >&2; exit 1; }
mkdir -p "$dir"
cd "$dir"

ca() { # name subject
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 3650 -subj "/CN=$2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
leaf() { # name subject extensions...
  local name="$1" subject="$2"
  shift 2
  openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=$subject" 2>/dev/null
  printf '%s\n' "$@" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$name.pem" -days 3650 \
    -extfile "$name.ext" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

ca ca "Tributary test CA"
ca other-ca "Tributary untrusted test CA"
rm -f other-ca.key
leaf server "localhost" "subjectAltName=IP:127.0.0.1,DNS:localhost" "extendedKeyUsage=serverAuth"
leaf wrong-host "wrong-host.invalid" "subjectAltName=DNS:wrong-host.invalid" "extendedKeyUsage=serverAuth"
leaf client "tributary-client" "extendedKeyUsage=clientAuth"
chmod 600 ./*.key
touch .complete

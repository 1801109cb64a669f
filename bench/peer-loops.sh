#!/bin/bash
# The peers' way to issue EC P-256 client certificates, one process per device, as people
# script them (bench.mjs times each loop after its CA exists):
#   peer-loops.sh mkcert|cfssl|easyrsa DIR N setup   # make the CA (not timed)
#   peer-loops.sh mkcert|cfssl|easyrsa DIR N         # issue N client certificates
set -euo pipefail
peer=$1; out=$2; n=$3; step=${4:-issue}
mkdir -p "$out"
cd "$out"

case "$peer:$step" in
  mkcert:setup)
    CAROOT="$out/ca" mkcert -install >/dev/null 2>&1 || true
    CAROOT="$out/ca" mkcert -CAROOT >/dev/null
    # mkcert makes its CA on first use; -install may fail without a trust store, which is fine here.
    [ -f "$out/ca/rootCA.pem" ] || CAROOT="$out/ca" mkcert -client -ecdsa -cert-file /dev/null -key-file /dev/null warmup >/dev/null 2>&1
    ;;
  mkcert:issue)
    for i in $(seq 1 "$n"); do
      CAROOT="$out/ca" mkcert -ecdsa -client -cert-file "dev-$i.crt" -key-file "dev-$i.key" "dev-$i" >/dev/null 2>&1
    done
    ;;
  cfssl:setup)
    echo '{"CN":"Bench cfssl CA","key":{"algo":"ecdsa","size":256}}' | cfssl gencert -initca - 2>/dev/null | cfssljson -bare ca
    echo '{"signing":{"profiles":{"client":{"usages":["digital signature","client auth"],"expiry":"9528h"}}}}' > config.json
    ;;
  cfssl:issue)
    for i in $(seq 1 "$n"); do
      echo "{\"CN\":\"dev-$i\",\"key\":{\"algo\":\"ecdsa\",\"size\":256}}" > "dev-$i.json"
      cfssl gencert -ca ca.pem -ca-key ca-key.pem -config config.json -profile client "dev-$i.json" 2>/dev/null | cfssljson -bare "dev-$i"
    done
    ;;
  easyrsa:setup)
    export EASYRSA_BATCH=1 EASYRSA_PKI="$out/pki" EASYRSA_ALGO=ec EASYRSA_CURVE=prime256v1 EASYRSA_REQ_CN="Bench easy-rsa CA"
    /usr/share/easy-rsa/easyrsa init-pki >/dev/null 2>&1
    /usr/share/easy-rsa/easyrsa build-ca nopass >/dev/null 2>&1
    ;;
  easyrsa:issue)
    export EASYRSA_BATCH=1 EASYRSA_PKI="$out/pki" EASYRSA_ALGO=ec EASYRSA_CURVE=prime256v1
    for i in $(seq 1 "$n"); do
      /usr/share/easy-rsa/easyrsa build-client-full "dev-$i" nopass >/dev/null 2>&1
    done
    ;;
  *)
    echo "usage: peer-loops.sh mkcert|cfssl|easyrsa DIR N [setup]" >&2
    exit 2
    ;;
esac

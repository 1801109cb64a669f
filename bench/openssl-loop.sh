#!/bin/bash
# The openssl-CLI way (bench.mjs times it): per device a folder, a key, a CSR and a certificate with the client profile.
set -euo pipefail
out=$1; n=$2
cat > "$out/client.ext" <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EXT
for i in $(seq 1 "$n"); do
  d="$out/clients/dev-$i"
  mkdir -p "$d"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/client.key" 2>/dev/null
  chmod 600 "$d/client.key"
  openssl req -new -key "$d/client.key" -subj "/CN=dev-$i" -out "$d/client.csr"
  openssl x509 -req -in "$d/client.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial -days 397 -sha256 -extfile "$out/client.ext" -out "$d/client.crt" 2>/dev/null
done

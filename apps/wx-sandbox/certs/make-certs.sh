#!/bin/sh
# Regenerates the DEMO-ONLY certificates of the Fen WeChat sandbox (see README.md).
# Needs the openssl CLI (3.x). Run from anywhere: sh apps/wx-sandbox/certs/make-certs.sh
set -eu
cd "$(dirname "$0")"
DAYS=7300 # 20 years

# 1. The sandbox CA: signs the sandbox's TLS certificate and the merchants' API client certificates.
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days $DAYS \
  -subj "/O=Fen/CN=Fen WeChat sandbox demo CA" -keyout ca.key -out ca.pem

# 2. The sandbox's TLS server certificate (the /secapi/… listener), for 127.0.0.1 and localhost.
openssl req -newkey rsa:2048 -nodes -sha256 -subj "/O=Fen/CN=localhost" \
  -keyout sandbox-tls.key -out sandbox-tls.csr
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > server.ext
openssl x509 -req -in sandbox-tls.csr -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days $DAYS \
  -extfile server.ext -out sandbox-tls.pem

# 3. The demo merchant's API client certificate (CN = mch_id), as PEM and as PKCS#12 (password = mch_id)
#    in WeChat's own legacy format (-legacy: RC2-40 certificates, 3DES key, SHA-1 MAC), which Node's
#    OpenSSL 3 cannot open: Fen reads it with @fen/wxpay's readPkcs12.
openssl req -newkey rsa:2048 -nodes -sha256 -subj "/O=Fen demo merchant/CN=1900000109" \
  -keyout apiclient_key.pem -out apiclient.csr
printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n' > client.ext
openssl x509 -req -in apiclient.csr -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days $DAYS \
  -extfile client.ext -out apiclient_cert.pem
openssl pkcs12 -export -legacy -in apiclient_cert.pem -inkey apiclient_key.pem -name 1900000109 \
  -passout pass:1900000109 -out apiclient_cert.p12

# 4. For the sandbox's own tests: a client certificate for ANOTHER mch_id from the sandbox CA, and
#    one for the demo mch_id from an unrelated CA. The sandbox must refuse both for 1900000109.
openssl req -newkey rsa:2048 -nodes -sha256 -subj "/O=Fen other merchant/CN=1900000999" \
  -keyout other_key.pem -out other.csr
openssl x509 -req -in other.csr -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days $DAYS \
  -extfile client.ext -out other_cert.pem
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days $DAYS \
  -subj "/O=Nobody/CN=Untrusted demo CA" -keyout rogue-ca.key -out rogue-ca.pem
openssl req -newkey rsa:2048 -nodes -sha256 -subj "/O=Rogue/CN=1900000109" \
  -keyout rogue_key.pem -out rogue.csr
openssl x509 -req -in rogue.csr -CA rogue-ca.pem -CAkey rogue-ca.key -CAcreateserial -sha256 \
  -days $DAYS -extfile client.ext -out rogue_cert.pem

rm -f ./*.csr ./*.ext ./*.srl rogue-ca.key

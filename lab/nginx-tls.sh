#!/bin/sh
# SPDX-License-Identifier: MIT
# nginx with TLS for lab/nginx-tls.lab, run as its [server] command in the
# server namespace: a temporary prefix with a certificate made for the run
# (ECDSA P-256, self-signed, a day) and the configuration written into it;
# all of it removed when nginx stops. Each connection's first request is
# logged on standard output (logs/server command.log of the run): the
# connection's number, whether its session was resumed (r) or not (.), and
# the protocol, so that nginx's own handshake count stands beside the
# flood's.
set -eu
labdir=$(dirname "$0")
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT INT TERM
mkdir "$d/tmp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=lab -days 1 \
	-keyout "$d/key.pem" -out "$d/cert.pem" 2>/dev/null
sed "s|@DIR@|$d|g" "$labdir/nginx-tls.conf" >"$d/nginx.conf"
# in the foreground: the lab's SIGTERM reaches nginx (the process group),
# which stops; then the trap removes the prefix and this ends with 0
nginx -p "$d" -c "$d/nginx.conf" -e stderr
wait

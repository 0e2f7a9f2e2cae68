#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs every build, test and run dependency of connlab from Debian's
# packages. Idempotent and quiet: does nothing when all are present.
# --test adds what only the tests use: Chromium to take a picture of
# report.html, the Python modules that check the page and the picture,
# Prometheus and its parser for /metrics, and the servers the labs run.
set -eu
PKGS="build-essential pkg-config libmnl-dev libevent-dev check libinih-dev libjansson-dev libssl-dev libwolfssl-dev
clang llvm clang-format iproute2 iputils-ping procps libxml2-utils python3 nftables"
[ "${1:-}" = --test ] && PKGS="$PKGS chromium python3-pil python3-html5lib python3-prometheus-client prometheus redis-server nginx-light memcached haproxy postgresql openssh-server openssh-client pdsh"
# --bench adds the peer the benchmarks compare with (tests/bench/scale.py)
[ "${1:-}" = --bench ] && PKGS="$PKGS python3-gevent"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "connlab: missing packages:$missing; run as root: apt-get install$missing" >&2
	exit 1
fi
echo "connlab: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# redis-server, nginx and sshd are programs the tests start themselves: their
# packages must not start system services (policy-rc.d: none starts)
made_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
rc=$?
[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
[ $rc = 0 ] || exit $rc

#!/bin/bash
# SPDX-License-Identifier: MIT
# make docker-check: builds the connlab image and runs small labs in it,
# asserting exit statuses, result.json, the capability messages and a low
# open-files limit; also ci/lab-gate.sh with the image.
#
# Works with no registry: where no engine answers, it installs Debian's
# docker.io (without letting the package start a system daemon) and starts a
# private dockerd (no iptables, no forwarding, no bridge; its own data and
# exec roots), stopped by PID at the end. Where debian:12-slim cannot be
# pulled, the base image is built with debootstrap from Debian's archive and
# imported. The private engine's data (the base image, the build cache) stay
# in $CONNLAB_DOCKER_CACHE (default /var/cache/connlab-docker) so the next
# run takes seconds; `make docker-clean` removes it.
set -u
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then echo "docker-check: skipped: needs root"; exit 77; fi
CACHE=${CONNLAB_DOCKER_CACHE:-/var/cache/connlab-docker}
IMAGE=connlab:check
tmp=$(mktemp -d)
dockerd_pid=
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
say() { echo "docker-check: $*"; }

host_state() { ip -o link; ip -o addr; ip route show table all; ip netns list; awk '{print $5}' /proc/self/mountinfo | sort; }
host_state >"$tmp/host.before"

stop_engine() {
	if [ -n "$dockerd_pid" ]; then
		kill -TERM "$dockerd_pid" 2>/dev/null
		for _ in $(seq 1 100); do [ -e "/proc/$dockerd_pid" ] || break; sleep 0.1; done
		[ -e "/proc/$dockerd_pid" ] && kill -KILL "$dockerd_pid" 2>/dev/null
		# nothing of the private engine stays mounted (dockerd leaves the
		# bind mount of its network namespace under its exec root)
		awk -v a="$EXEC_ROOT/" -v b="$CACHE/data/" 'index($5, a) == 1 || index($5, b) == 1 { print $5 }' \
			/proc/self/mountinfo | sort -r | while read -r m; do umount "$m" || umount -l "$m"; done
		rm -rf "$EXEC_ROOT"
		dockerd_pid=
	fi
}
trap 'stop_engine; rm -rf "$tmp"' EXIT

# ---- an engine ----
DOCKER=docker
if ! command -v docker >/dev/null || ! timeout 20 docker info >/dev/null 2>&1; then
	if ! command -v dockerd >/dev/null; then
		say "no container engine here: installing Debian's docker.io (its service is not started)"
		made_policy=
		if [ ! -e /usr/sbin/policy-rc.d ]; then
			printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
		fi
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >"$tmp/apt.log" 2>&1
		rc=$?
		[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
		[ $rc = 0 ] || { tail -5 "$tmp/apt.log"; say "FAIL: cannot install docker.io"; exit 1; }
	fi
	EXEC_ROOT=/run/connlab-dockerd.$$
	mkdir -p "$CACHE/data" "$EXEC_ROOT"
	SOCK=$EXEC_ROOT/docker.sock
	dockerd --iptables=false --ip-forward=false --bridge=none --data-root "$CACHE/data" \
		--exec-root "$EXEC_ROOT" --pidfile "$EXEC_ROOT/dockerd.pid" -H "unix://$SOCK" \
		>"$tmp/dockerd.log" 2>&1 &
	dockerd_pid=$!
	export DOCKER_HOST=unix://$SOCK
	# Debian's client matches Debian's daemon; another client on PATH may be newer
	[ -x /usr/bin/docker ] && DOCKER=/usr/bin/docker
	for _ in $(seq 1 300); do
		$DOCKER info >/dev/null 2>&1 && break
		[ -e "/proc/$dockerd_pid" ] || break
		sleep 0.1
	done
	$DOCKER info >/dev/null 2>&1 || { tail -20 "$tmp/dockerd.log"; say "FAIL: the private dockerd did not start"; exit 1; }
	say "private dockerd $dockerd_pid ($($DOCKER version -f '{{.Server.Version}}'), data in $CACHE/data)"
fi

# ---- a base image ----
BASE=debian:12-slim
if ! $DOCKER image inspect "$BASE" >/dev/null 2>&1 && ! timeout 30 $DOCKER pull -q "$BASE" >/dev/null 2>&1; then
	BASE=connlab-base:bookworm
	if ! $DOCKER image inspect "$BASE" >/dev/null 2>&1; then
		command -v debootstrap >/dev/null ||
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null 2>&1
		mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p; s/^deb \(http[^ ]*debian\) bookworm .*/\1/p' \
			/etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
		mirror=${mirror:-http://deb.debian.org/debian}
		say "debian:12-slim cannot be pulled: building $BASE with debootstrap from $mirror"
		t0=$(date +%s)
		debootstrap --variant=minbase bookworm "$tmp/root" "$mirror" >"$tmp/debootstrap.log" 2>&1 ||
			{ tail -5 "$tmp/debootstrap.log"; say "FAIL: debootstrap"; exit 1; }
		# the archive's sources, so apt-get works in the image
		tar -C "$tmp/root" -c . | $DOCKER import - "$BASE" >/dev/null || { say "FAIL: docker import"; exit 1; }
		rm -rf "$tmp/root"
		say "base image in $(($(date +%s) - t0)) s"
	fi
fi

# ---- the image ----
t0=$(date +%s)
# the build's RUN steps reach Debian's archive through the host's network
$DOCKER build -q --network=host --build-arg BASE_IMAGE="$BASE" -f docker/Dockerfile -t "$IMAGE" . \
	>"$tmp/build.log" 2>&1 || { tail -30 "$tmp/build.log"; say "FAIL: docker build"; exit 1; }
say "image $IMAGE built from $BASE in $(($(date +%s) - t0)) s, $($DOCKER image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}')"

# ---- labs in it ----
mkdir -p "$tmp/runs"
drun() { $DOCKER run --rm --network=none "$@"; }
CAPS="--cap-add NET_ADMIN --cap-add SYS_ADMIN"
json() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); [v:=v[k] for k in sys.argv[2].split(".")]; print(v)' "$1" "$2"; }

drun $CAPS -v "$tmp/runs:/runs" "$IMAGE" run --set clients.connections=5000 --set lab.duration=2s \
	--out /runs/small >"$tmp/small.out" 2>&1
rc=$?
[ $rc = 0 ] || { fail "small lab in the container: exit $rc"; tail -15 "$tmp/small.out"; }
if [ -f "$tmp/runs/small/result.json" ]; then
	[ "$(json "$tmp/runs/small/result.json" outcome)" = completed ] || fail "outcome: $(json "$tmp/runs/small/result.json" outcome)"
	[ "$(json "$tmp/runs/small/result.json" peaks.established_clients)" = 5000 ] ||
		fail "established: $(json "$tmp/runs/small/result.json" peaks.established_clients), expected 5000"
	for f in report.html junit.xml timeline.csv; do
		[ -s "$tmp/runs/small/$f" ] || fail "no $f in the run directory"
	done
else
	fail "no result.json on the volume"
fi

# a failed expectation fails the container (the CI gate)
drun $CAPS "$IMAGE" run --set clients.connections=2000 --set lab.duration=1s \
	--set 'expect.established=>= 1M' >"$tmp/gate.out" 2>&1
rc=$?
[ $rc = 1 ] || { fail "failed expectation: exit $rc, expected 1"; tail -5 "$tmp/gate.out"; }

# each missing capability is named, with the flag that adds it
drun --cap-add NET_ADMIN "$IMAGE" run >"$tmp/nosys.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "lacks the capability CAP_SYS_ADMIN .*add --cap-add SYS_ADMIN to docker run" "$tmp/nosys.out" ||
	{ fail "without SYS_ADMIN: exit $rc"; cat "$tmp/nosys.out"; }
grep -q CAP_NET_ADMIN "$tmp/nosys.out" && fail "NET_ADMIN was given but reported missing"
drun --cap-add SYS_ADMIN "$IMAGE" up >"$tmp/nonet.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "lacks the capability CAP_NET_ADMIN .*add --cap-add NET_ADMIN" "$tmp/nonet.out" ||
	{ fail "without NET_ADMIN: exit $rc"; cat "$tmp/nonet.out"; }

# a container allowed only 4096 open files: 20k connections spread over more processes
drun $CAPS --ulimit nofile=4096:4096 "$IMAGE" run --set clients.connections=20k --set lab.duration=1s \
	>"$tmp/fd.out" 2>&1
rc=$?
[ $rc = 0 ] || { fail "4096 open files, 20k connections: exit $rc"; tail -15 "$tmp/fd.out"; }

# named namespaces inside the container: up, ls, down
drun $CAPS --entrypoint sh "$IMAGE" -c \
	'connlab up --set clients.connections=1000 >/dev/null && connlab ls | grep -q "^default " && connlab down default >/dev/null && [ -z "$(ls /run/netns)" ]' ||
	fail "up / ls / down inside the container"

# rootless in a container, no capability added (docs/rootless.md):
# Docker's default seccomp profile allows user namespaces only with
# CAP_SYS_ADMIN: the message names the refusal
chmod 777 "$tmp/runs"
drun --user 65534:65534 "$IMAGE" run --set clients.connections=500 >"$tmp/rl-default.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "a lab without root needs a user namespace, and the kernel refused one (Operation not permitted)" "$tmp/rl-default.out" ||
	{ fail "rootless, default seccomp: exit $rc"; cat "$tmp/rl-default.out"; }
# with the project's profile the user namespace is there, and /proc/sys is
# still read-only (a user namespace cannot remount it): named
RL_SECCOMP="--security-opt seccomp=$(pwd)/docker/seccomp-rootless.json"
drun --user 65534:65534 $RL_SECCOMP "$IMAGE" run --set clients.connections=500 >"$tmp/rl-ro.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "/proc/sys is read-only here" "$tmp/rl-ro.out" ||
	{ fail "rootless, read-only /proc/sys: exit $rc"; cat "$tmp/rl-ro.out"; }
# with the profile and systempaths=unconfined (a writable /proc/sys), the lab runs
drun --user 65534:65534 $RL_SECCOMP --security-opt systempaths=unconfined -v "$tmp/runs:/runs" "$IMAGE" \
	run --set clients.connections=2000 --set lab.duration=1s --out /runs/rootless >"$tmp/rl.out" 2>&1
rc=$?
[ $rc = 0 ] && [ "$(json "$tmp/runs/rootless/result.json" rootless)" = True ] &&
	[ "$(json "$tmp/runs/rootless/result.json" peaks.established_clients)" = 2000 ] ||
	{ fail "rootless with docker/seccomp-rootless.json: exit $rc"; tail -15 "$tmp/rl.out"; }

# ci/lab-gate.sh with the image: its summary and the lab's status
CONNLAB_IMAGE=$IMAGE DOCKER="$DOCKER" ci/lab-gate.sh --out "$tmp/gate" --set clients.connections=2000 --set lab.duration=1s \
	>"$tmp/labgate.out" 2>&1
rc=$?
[ $rc = 0 ] && grep -q "connlab run of lab 'default': completed" "$tmp/labgate.out" && [ -s "$tmp/gate/junit.xml" ] ||
	{ fail "ci/lab-gate.sh: exit $rc"; tail -10 "$tmp/labgate.out"; }

# the host as it was: links, addresses, routes, namespaces, mounts
stop_engine
host_state >"$tmp/host.after"
diff "$tmp/host.before" "$tmp/host.after" >"$tmp/host.diff" || { fail "the host changed:"; cat "$tmp/host.diff"; }
if [ $fails -gt 0 ]; then say "$fails failed"; exit 1; fi
say "all passed"

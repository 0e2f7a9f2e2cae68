#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs a connlab lab as a CI gate, for any CI system: prints the run's
# summary and exits with the lab's status (0 every expectation held, 1 one
# failed, 2 usage or lab error, 3 the lab could not run, 130 interrupted).
#
#   ci/lab-gate.sh [connlab run arguments]
#   ci/lab-gate.sh lab/time-wait.lab --set clients.connections=20k --out runs/gate
#
# With CONNLAB_IMAGE set (or no connlab on PATH and an image named connlab),
# the lab runs in that container image with the two capabilities it needs;
# the working directory is mounted at the same path, so relative lab files
# and run directories work as they do outside. The run directory
# (result.json, report.html, junit.xml) is what to keep as artifacts; its
# path is the last line of the summary ("results in ...").
set -u
DOCKER=${DOCKER:-docker}
image=${CONNLAB_IMAGE:-}
if [ -z "$image" ] && ! command -v connlab >/dev/null 2>&1; then
	if [ -x ./connlab ]; then
		exec ./connlab run "$@"
	fi
	image=connlab
fi
if [ -z "$image" ]; then
	exec connlab run "$@"
fi
# an --out outside the working directory is mounted too
extra=
prev=
for a in "$@"; do
	if [ "$prev" = --out ] || [ "$prev" = -o ]; then
		case $a in
		/*) parent=$(dirname "$a"); mkdir -p "$parent"; extra="-v $parent:$parent" ;;
		esac
	fi
	prev=$a
done
# shellcheck disable=SC2086
exec $DOCKER run --rm --network=none --cap-add NET_ADMIN --cap-add SYS_ADMIN \
	-v "$PWD:$PWD" -w "$PWD" $extra "$image" run "$@"

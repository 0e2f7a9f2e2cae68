#!/bin/bash
# SPDX-License-Identifier: MIT
# Bash completion (completion/connlab.bash): commands, a command's options
# as its help lists them, lab files, --set keys of the lab and of [expect].
. "$(dirname "$0")/../lib.sh"
lib_init test_completion
top=$(pwd)
. completion/connlab.bash
cl=$(cd "$(dirname "$CONNLAB")" && pwd)/$(basename "$CONNLAB")

# complete WORDS...: what TAB offers after them (the last word is the one
# being completed), one a line
complete_words() {
	COMP_WORDS=("$cl" "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_connlab 2>/dev/null
	printf '%s\n' "${COMPREPLY[@]}"
}
offers() { # offers WHAT WORD... : WHAT is among the offers
	local what=$1
	shift
	complete_words "$@" | grep -qx -- "$what" || fail "after '$*' TAB does not offer '$what': $(complete_words "$@" | head -5 | tr '\n' ' ')"
}
offers run r
offers report re
offers --version --v
offers --fd-limit plan --f
offers --keep run --k
offers --openmetrics report --op
offers --sysctl doctor --sy
offers doctor d
offers fleet f
offers watch w
offers --pdsh fleet --p
offers --share flood --sh
offers fleet.sources= run --set fleet.so
offers --max-connections server --max
offers --beyond-ports flood --b
offers metrics help m
offers clients.connections run --set clients.conn
offers clients.connect_timeout run --set clients.conn
offers expect.ping.p99 run --set expect.ping.p9
offers expect.errors.EADDRNOTAVAIL= run -s expect.errors.EADDRN
offers expect.counters.srv.ListenOverflows= report x --set expect.counters.srv.ListenO
cd "$top/lab" && offers time-wait.lab run time && cd "$top" || fail "lab files"
[ "$(complete_words run --set clients.infl)" = "clients.inflight=" ] || fail "one --set key is completed up to its ="
lib_done

# SPDX-License-Identifier: MIT
# bash completion for connlab: commands, each command's options (read from
# `connlab help COMMAND`, so they never drift), lab files, run directories,
# and --set keys (lab keys from `connlab help labfile`, expect.METRIC from
# `connlab help metrics`, sysctl. as a prefix). Installed by make install.

_connlab_set_keys() {
	local cl=$1
	"$cl" help labfile 2>/dev/null | awk '
		/^\[[a-z]+\]$/ { s = substr($0, 2, length($0) - 2); next }
		s != "" && s != "sysctl" && s != "expect" && /^  [a-z_]+ / { print s "." $1 }'
	"$cl" help metrics 2>/dev/null | awk '/^  [a-z0-9_.]+ +[a-z]+ / && $1 !~ /NAME/ { print "expect." $1 }'
	"$cl" help metrics 2>/dev/null | awk '
		/^  errors\.NAME/ { m = "errors" ; next }
		/^  counters\.NS\.NAME/ { m = "counters" ; next }
		/^  [a-z]/ { m = "" }
		m == "errors" && /^ +E[A-Z]+$/ { print "expect.errors." $1 }
		m == "counters" && /^ +[A-Z][A-Za-z]+$/ { print "expect.counters.srv." $1; print "expect.counters.clients." $1 }'
	echo sysctl.net.
}

_connlab() {
	local cur prev cmd cl=${COMP_WORDS[0]}
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$("$cl" --help 2>/dev/null | awk '/^  [a-z]+ / { print $1 }') --help --version" -- "$cur"))
		return
	fi
	cmd=${COMP_WORDS[1]}
	case "$prev" in
	-s | --set)
		compopt -o nospace 2>/dev/null
		COMPREPLY=($(compgen -W "$(_connlab_set_keys "$cl")" -- "$cur"))
		[ ${#COMPREPLY[@]} = 1 ] && [[ ${COMPREPLY[0]} != *. ]] && COMPREPLY=("${COMPREPLY[0]}=")
		return
		;;
	-o | --out | --output)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$("$cl" help "$cmd" 2>/dev/null | grep -E '^ +-' | grep -oE -- '--[a-z][a-z-]*' | sort -u) --help" -- "$cur"))
		return
	fi
	case "$cmd" in
	run | plan | up | doctor | fleet)
		if [ "$prev" = --sysctl ]; then
			COMPREPLY=($(compgen -f -- "$cur"))
		else
			COMPREPLY=($(compgen -f -X '!*.lab' -- "$cur") $(compgen -d -- "$cur"))
		fi
		;;
	report | explain)
		COMPREPLY=($(compgen -d -- "$cur"))
		;;
	help)
		COMPREPLY=($(compgen -W "$("$cl" --help 2>/dev/null | awk '/^  [a-z]+ / { print $1 }') labfile metrics findings" -- "$cur"))
		;;
	down)
		COMPREPLY=($(compgen -W "$("$cl" ls 2>/dev/null | awk 'NR > 1 && $1 != "(no" { print $1 }') --all" -- "$cur"))
		;;
	esac
}
complete -F _connlab connlab

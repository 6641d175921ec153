#!/bin/sh
# Keeps sim/'s layers honest: every #include "..." in sim/ names its header
# by folder ("model/node.h"), and a file includes only headers of its own
# folder or of a folder below it. The table below is the architecture; the
# README's "Layout" shows the same picture.
# Usage: lint-layers.sh [SIM_DIR]   (exit 1 and one line per violation)
#        lint-layers.sh --self-test  (the lint must reject a tree with an
#                                     upward, an unqualified and a dangling
#                                     include, and accept a clean one)
if [ "${1:-}" = --self-test ]; then
    t=$(mktemp -d)
    trap 'rm -rf "$t"' EXIT
    mkdir -p "$t/base" "$t/model"
    printf '#include "model/node.h"\n#include "rng.h"\n#include "base/none.h"\n' >"$t/base/base.h"
    printf '#include "base/base.h"\n' >"$t/model/node.h"
    out=$(sh "$0" "$t") && { echo "lint-layers self-test: a bad tree passed"; exit 1; }
    n=$(echo "$out" | grep -c 'base/base.h: #include')
    [ "$n" = 3 ] || { echo "lint-layers self-test: $n of 3 violations found:"; echo "$out"; exit 1; }
    printf '#include "base/base.h"\n' >"$t/base/base.h"
    sh "$0" "$t" >/dev/null || { echo "lint-layers self-test: a clean tree failed"; exit 1; }
    echo "lint-layers self-test: passed"
    exit 0
fi
sim=${1:-sim}

# folder: the folders below it that it may include (its own is always allowed)
layers='
base:
engine: base
net: base engine
spec: base
model: base engine net spec
model/runtime: base engine net spec model
model/kubelet: base engine net spec model model/runtime
model/cluster: base engine net spec model model/runtime model/kubelet
world: base engine net spec model model/runtime model/kubelet model/cluster
obs: base engine net spec model model/runtime model/kubelet model/cluster world
exp: base engine net spec model model/runtime model/kubelet model/cluster world obs
cli: base engine net spec model model/runtime model/kubelet model/cluster world obs exp
'

allowed() { # allowed FROM TO
    [ "$1" = "$2" ] && return 0
    echo "$layers" | awk -F': *' -v from="$1" -v to="$2" '
        $1 == from { n = split($2, d, " "); for (i = 1; i <= n; i++) if (d[i] == to) ok = 1; found = 1 }
        END { exit !(found && ok) }'
}

known_folder() {
    echo "$layers" | awk -F': *' -v f="$1" '$1 == f { found = 1 } END { exit !found }'
}

bad=0
for f in $(find "$sim" -name '*.[ch]' | sort); do
    rel=${f#"$sim"/}
    from=$(dirname "$rel")
    if ! known_folder "$from"; then
        echo "$f: folder '$from' is not a layer in tests/lint-layers.sh"
        bad=$((bad + 1))
        continue
    fi
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
        to=$(dirname "$inc")
        if [ "$to" = . ]; then
            echo "$f: #include \"$inc\": name the header by its folder (e.g. \"base/$inc\")"
            bad=$((bad + 1))
        elif [ ! -f "$sim/$inc" ]; then
            echo "$f: #include \"$inc\": no such header under $sim/"
            bad=$((bad + 1))
        elif ! allowed "$from" "$to"; then
            echo "$f: #include \"$inc\": $from/ may not include $to/ (an upward include; take a callback)"
            bad=$((bad + 1))
        fi
    done
done
if [ "$bad" -gt 0 ]; then
    echo "lint-layers: $bad violation(s)"
    exit 1
fi
echo "lint-layers: every include points at its own layer or below"

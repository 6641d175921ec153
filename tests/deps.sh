#!/bin/sh
# What pullsim needs from the system, by Debian package name.
#   deps.sh install PKG...  installs the missing ones (as root, with apt-get;
#                           otherwise prints the exact command and fails)
#   deps.sh check PKG...    only says what is missing, never fails: a plain
#                           build on any system goes on and the compiler
#                           names what it cannot find
# Without dpkg (not Debian), both check the libraries through pkg-config and
# the tools through PATH.
mode=$1; shift

# Is the thing package $1 provides here? (dpkg, else pkg-config / PATH)
have() {
    if command -v dpkg-query >/dev/null 2>&1; then
        dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
        return
    fi
    case $1 in
        libgsl-dev) pkg-config --exists gsl 2>/dev/null ;;
        libyaml-dev) pkg-config --exists yaml-0.1 2>/dev/null ;;
        libcmocka-dev) pkg-config --exists cmocka 2>/dev/null ;;
        gnuplot-nox) command -v gnuplot >/dev/null 2>&1 ;;
        gcc) command -v cc >/dev/null 2>&1 ;;
        libclang-rt-dev) sh "$(dirname "$0")/fuzz/run.sh" --probe clang ;;
        *) command -v "$1" >/dev/null 2>&1 ;;
    esac
}

missing=""
for p in "$@"; do
    have "$p" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$mode" = check ]; then
    echo "deps: not found:$missing (Debian package names; 'make deps' installs them on Debian)" >&2
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
        { echo "deps: apt-get install$missing failed" >&2; exit 1; }
elif command -v apt-get >/dev/null 2>&1; then
    echo "deps: missing Debian packages:$missing" >&2
    echo "deps: run: sudo apt-get install -y$missing" >&2
    exit 1
else
    echo "deps: not found:$missing (Debian package names); install their equivalents" >&2
    exit 1
fi

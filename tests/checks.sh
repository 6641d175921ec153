# checks.sh - the tally the end-to-end check scripts share; source it.
#   ok                 one check passed
#   bad TEXT...        one check failed: prints "FAIL: TEXT"
#   checks_tally WHAT BIN [TALLY_BIN]
#                      prints "WHAT checks (BIN): P passed, F failed", adds
#                      "P F" to the build folder's tally file when TALLY_BIN
#                      (default BIN) is under build/ (the Makefile's closing
#                      line sums them), and returns 0 only when none failed
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
checks_tally() {
    echo "$1 checks ($2): $pass passed, $fail failed"
    case "${3:-$2}" in build/*) echo "$pass $fail" >>"$(dirname "${3:-$2}")/tally" ;; esac
    [ "$fail" = 0 ]
}

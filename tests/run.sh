#!/usr/bin/env bash
# Runs every test suite and ends with one line: "N passed, N failed".
# Suites: unit tests (cmocka), the same under ASan+UBSan, the Mustache spec,
# end-to-end shell tests, and (when present) browser tests and fuzz replays.
set -u
cd "$(dirname "$0")/.."
total_pass=0
total_fail=0
log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT

# Adds the counts a suite printed. cmocka prints "[  PASSED  ] N test(s)."
# and "[  FAILED  ] N test(s)"; our own suites print "NAME: N passed, M failed".
count() {
	local name=$1 log=$2 rc=$3 p=0 f=0 line n
	while IFS= read -r line; do
		if [[ $line =~ ^\[\ \ PASSED\ \ \]\ ([0-9]+)\ test ]]; then
			p=$((p + BASH_REMATCH[1]))
		elif [[ $line =~ ^\[\ \ FAILED\ \ \]\ ([0-9]+)\ test ]]; then
			f=$((f + BASH_REMATCH[1]))
		elif [[ $line =~ :\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
			p=$((p + BASH_REMATCH[1]))
			f=$((f + BASH_REMATCH[2]))
		fi
	done <"$log"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# A crash or an error before any test reported: count it as a failure.
		f=1
		echo "$name: exited with status $rc without reporting a failed test"
	fi
	if [ "$f" -ne 0 ]; then
		echo "---- $name (output follows)"
		tail -n 60 "$log"
		echo "----"
	fi
	printf '%-40s %5d passed, %d failed\n' "$name" "$p" "$f" | sed 's/ passed,/ ok,/'
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

run_suite() {
	local name=$1
	shift
	local log="$log_dir/$(echo "$name" | tr '/ ' '__').log"
	"$@" >"$log" 2>&1
	count "$name" "$log" $?
}

for bin in build/tests/test_*; do
	[ -x "$bin" ] || continue
	case $bin in
	*test_mustache_spec) run_suite "unit/$(basename "$bin")" "$bin" ../shared/spec/mustache ;;
	*) run_suite "unit/$(basename "$bin")" "$bin" ;;
	esac
done
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for bin in build/tests-san/test_*; do
	[ -x "$bin" ] || continue
	case $bin in
	*test_mustache_spec) run_suite "asan+ubsan/$(basename "$bin")" "$bin" ../shared/spec/mustache ;;
	*) run_suite "asan+ubsan/$(basename "$bin")" "$bin" ;;
	esac
done
unset ASAN_OPTIONS UBSAN_OPTIONS
for t in tests/e2e/test_*.sh; do
	[ -f "$t" ] || continue
	run_suite "e2e/$(basename "$t" .sh)" bash "$t"
done
if [ -x tests/fuzz/replay.sh ]; then
	run_suite "fuzz/replay" bash tests/fuzz/replay.sh
fi
if [ -f tests/browser/run.sh ]; then
	run_suite "browser" bash tests/browser/run.sh
fi

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]

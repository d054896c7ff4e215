#!/usr/bin/env bash
# Part of `make test`: builds the fuzz targets, replays every committed
# corpus input (regression cases included) through its target, then fuzzes
# each target briefly. Prints "fuzz: N passed, M failed".
set -u
cd "$(dirname "$0")"
pass=0
fail=0
if ! command -v clang >/dev/null; then
	echo "fuzz: clang is missing; run 'make deps'"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi
if ! make -s all >/tmp/fuzz-build.$$ 2>&1; then
	cat /tmp/fuzz-build.$$
	rm -f /tmp/fuzz-build.$$
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi
rm -f /tmp/fuzz-build.$$
seconds=${FUZZ_REPLAY_SECONDS:-10}
for src in fuzz_*.c; do
	t=${src#fuzz_}
	t=${t%.c}
	bin=../../build/fuzz/fuzz_$t
	inputs=(corpus/$t/*)
	if "$bin" -runs=0 "${inputs[@]}" >/tmp/fuzz-$t.$$ 2>&1; then
		echo "ok - $t: ${#inputs[@]} corpus inputs replay cleanly"
		pass=$((pass + 1))
	else
		echo "not ok - $t: a corpus input fails"
		tail -30 /tmp/fuzz-$t.$$
		fail=$((fail + 1))
	fi
	work=$(mktemp -d)
	if "$bin" -max_total_time="$seconds" -artifact_prefix=../../build/fuzz/ "$work" "corpus/$t" >/tmp/fuzz-$t.$$ 2>&1; then
		echo "ok - $t: fuzzed for $seconds s without a crash"
		pass=$((pass + 1))
	else
		echo "not ok - $t: the fuzzer found a crash (input saved in build/fuzz/)"
		tail -40 /tmp/fuzz-$t.$$
		fail=$((fail + 1))
	fi
	rm -rf "$work" /tmp/fuzz-$t.$$
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

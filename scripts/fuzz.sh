#!/usr/bin/env bash
# The libFuzzer targets of tests/fuzz/ (descriptor parser, layer-table reader, CSV reader).
#   scripts/fuzz.sh --seconds N   each target: its regression inputs and seeds once, then N seconds
#                                 of fuzzing; a finding is copied to tests/fuzz/regress/<target>/
#   scripts/fuzz.sh --quick       for `make test`: the same with 20,000 runs each from seed 1 (reproducible), copying nothing
#   scripts/fuzz.sh --build-only  the targets' build alone (make test starts it early, in the background)
#   --target NAME                 only that target (desc, net or csv)
# Exit 0 with no finding, 1 on a finding (or a regression input that fails again), 2 on bad use.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${FUZZ_BUILD:-build-fuzz}
seconds=300 quick=0 targets="desc net csv" build_only=0
while (($#)); do
    case $1 in
    --seconds) [[ ${2:-} =~ ^[0-9]+$ ]] || { echo "fuzz.sh: --seconds needs a whole number" >&2; exit 2; }
               seconds=$2; shift ;;
    --quick) quick=1 seconds=5 ;;
    --build-only) build_only=1 ;;
    --target) [[ ${2:-} =~ ^(desc|net|csv)$ ]] || { echo "fuzz.sh: --target is desc, net or csv" >&2; exit 2; }
              targets=$2; shift ;;
    *) echo "fuzz.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
    shift
done
command -v "${FUZZ_CC:-clang}" >/dev/null || { echo "fuzz.sh: clang not found (scripts/deps.sh installs it)" >&2; exit 2; }
make --no-print-directory -s FUZZ_BUILD="$build" fuzz-build || exit 2
((build_only)) && exit 0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
found=0
for t in $targets; do
    bin=$build/fuzz_$t
    seeds=tests/fuzz/$t regress=tests/fuzz/regress/$t work=$build/corpus/$t art=$build/artifacts/$t
    rm -rf "$art"; mkdir -p "$work" "$art"   # findings of an earlier run are not this run's
    log=$build/fuzz_$t.log
    # Inputs that once crashed, and the seeds, run once each (a file argument runs it, no fuzzing).
    inputs=("$seeds"/* )
    [[ -d $regress ]] && inputs+=($(find "$regress" -type f ! -name ".*" ! -name README.md | sort))
    if ! "$bin" -timeout=10 "${inputs[@]}" >"$log" 2>&1; then
        echo "fuzz $t: a regression or seed input fails:"; grep -m3 -E 'ERROR|runtime error|SUMMARY|Running' "$log" | tail -3
        found=1
        continue
    fi
    # --quick (make test, CI) is reproducible: a fixed seed and a fixed number of runs, so a pass
    # that was green stays green on the same code; the long runs explore with fresh seeds.
    limit=(-max_total_time="$seconds")
    ((quick)) && limit=(-seed=1 -runs=20000 -max_total_time=60)
    nice "$bin" "${limit[@]}" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$art/" "$work" "$seeds" >"$log" 2>&1
    rc=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
    if [[ $rc -eq 0 ]]; then
        echo "fuzz $t: ${runs:-?} runs$( ((quick)) || echo " in $seconds s"), no finding"
        continue
    fi
    found=1
    echo "fuzz $t: FINDING (status $rc):"; grep -m4 -E 'ERROR|runtime error|SUMMARY|cnb_die' "$log"
    for f in "$art"/*; do
        [[ -f $f ]] || continue
        if ((quick)); then
            echo "  input: $f"
        else
            mkdir -p "$regress"
            cp "$f" "$regress/" && echo "  kept as $regress/$(basename "$f"): commit it with the fix"
        fi
    done
done
exit $found

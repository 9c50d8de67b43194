#!/usr/bin/env bash
# `make sanitize`: the suite under the compilers' sanitizers, each build in its own folder.
#   1. AddressSanitizer + UndefinedBehaviorSanitizer (gcc), build-asan: the unit tests, then
#      `cnnbench check` on the reduced layer set of tests/arm_shapes.txt (every implementation,
#      batch 1 and 2 threads). ASan does not see masked SIMD loads and stores (AVX-512 masks, AVX2
#      maskload): the guard pages of harness/buffer.c stay the check for those. Those buffers come
#      from mmap, which ASan does not track either: a plain over-read into a guard page is still
#      caught by the page, not by ASan.
#   2. ThreadSanitizer (clang), build-tsan: `check --threads 2` on the threaded drivers (conv, pool,
#      GEMM, fc), at batch 1 and 3. OpenMP runs on clang's own runtime, libomp, with its Archer
#      tool loaded (OMP_TOOL_LIBRARIES), which tells TSan about OpenMP's barriers, tasks and
#      reductions; TSan must also ignore libomp's own uninstrumented accesses
#      (ignore_noninstrumented_modules=1: without it, libomp's lock set-up in the pool's threads is
#      reported as a race). gcc's libgomp is not instrumented and makes TSan report races on every
#      barrier. The peer libraries are left out (NO_LIBS=1): they are built for libgomp, and their
#      internals are theirs. clang warns where gcc does not (arch/cpu.c compares clang's int
#      __get_cpuid_max with an unsigned leaf): -Wno-sign-compare here; gcc's build keeps -Werror.
#   scripts/sanitize.sh --build-only   both builds, nothing run (make test starts them early, in the
#                                      background; the run's own builds are then up to date)
# CNB_JOBS: make's job count (default 2).
# Any report fails the run: UBSan with -fno-sanitize-recover=all, ASan and TSan halt on the first
# error, and the logs are searched for a report besides. Exit 0 clean, 1 on a report or a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY=passive
build_only=0
case ${1:-} in
'') ;;
--build-only) build_only=1 ;;
*) echo "sanitize.sh: unknown option '$1'" >&2; exit 2 ;;
esac
fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run() { # name, command...: runs it, fails on a non-zero status or a sanitizer report in its output
    local name=$1 t0=$SECONDS rc; shift
    "$@" >"$log" 2>&1
    rc=$?
    if [[ $rc -eq 0 ]] && ! grep -qE 'runtime error:|ERROR: AddressSanitizer|ERROR: LeakSanitizer|WARNING: ThreadSanitizer' "$log"; then
        echo "sanitize ok   $name: $(tail -1 "$log" | cut -c1-100) ($((SECONDS - t0)) s)"
    else
        fail=1
        echo "sanitize FAIL $name (status $rc):"
        grep -m1 -A12 -E 'runtime error:|ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer' "$log" || tail -15 "$log"
    fi
}
build() { # name, make arguments...
    local name=$1 t0=$SECONDS; shift
    if nice make --no-print-directory -j"${CNB_JOBS:-2}" "$@" all >"$log" 2>&1; then
        echo "sanitize ok   $name build ($((SECONDS - t0)) s)"
    else
        echo "sanitize FAIL $name build:"; grep -m5 -E 'error|Error' "$log"
        exit 1
    fi
}

# The two builds, before anything runs.
# ASan + UBSan (gcc), at -O1: gcc instruments the intrinsic-heavy kernel files at -O2 several times
# slower (minutes for kernels/conv/avx512.c alone). At -O1 gcc's format-truncation analysis sees
# less and warns on a snprintf that -O2 proves safe: that warning is off in this build only.
# Both builds keep line tables only (-g1): a report's stack names file and line, and gcc spends
# a fifth of the instrumented kernel files' compile time on the full debug information.
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
build asan BUILD=build-asan OPT=-O1 EXTRA_CFLAGS="$SAN -Wno-format-truncation -g1" LDFLAGS="$SAN"
# TSan (clang, libomp).
TSAN="-fsanitize=thread -fopenmp=libomp"
build tsan BUILD=build-tsan CC=clang CXX=clang++ NO_LIBS=1 EXTRA_CFLAGS="$TSAN -Wno-sign-compare -g1" LDFLAGS="$TSAN"
((build_only)) && exit 0

# 1. ASan + UBSan.
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# LeakSanitizer runs only where no peer library runs: its tracer itself crashes ("Tracer caught
# signal 11"), in about two runs of three, walking the peers' threads (BLIS's OpenMP, OpenBLAS's
# pthreads) at exit. The unit tests' registry sweeps include the peers, so they run without it;
# the check of the suite's own implementations below runs with it.
ASAN_OPTIONS=halt_on_error=1:detect_leaks=0 run "asan+ubsan unit tests" build-asan/cnnbench-tests
# The check runs twice: the suite's own implementations with LeakSanitizer, the peer libraries
# (oneDNN, OpenBLAS, BLIS: our glue in harness/peers/ is instrumented, they are not) without it.
impls=$(build-asan/cnnbench impls | awk 'NR > 1 && $5 == "runnable" {print $1}')
peers=$(grep -E '/(onednn|openblas|blis)$' <<<"$impls" | paste -sd,)
own=$(grep -vE '/(onednn|openblas|blis)$' <<<"$impls" | grep -v '/ref$' | paste -sd,)
run "asan+ubsan+lsan check, reduced set, own implementations" build-asan/cnnbench check --threads 2 \
    --impl "$own" --shapes tests/arm_shapes.txt
if [[ -n $peers ]]; then
    ASAN_OPTIONS=halt_on_error=1:detect_leaks=0 run "asan+ubsan check, reduced set, peers" \
        build-asan/cnnbench check --threads 2 --impl "$peers" --shapes tests/arm_shapes.txt
fi
unset ASAN_OPTIONS UBSAN_OPTIONS

# 2. TSan with libomp and Archer.
archer=$(clang -print-file-name=libarcher.so 2>/dev/null)
[[ -f $archer ]] || archer=$(ls /usr/lib/llvm-*/lib/libarcher.so 2>/dev/null | tail -1)
if [[ ! -f $archer ]]; then
    echo "sanitize FAIL tsan: libarcher.so not found (Debian: libomp-14-dev)"
    exit 1
fi
export OMP_TOOL_LIBRARIES=$archer TSAN_OPTIONS=halt_on_error=1:ignore_noninstrumented_modules=1
for mb in 1 3; do
    run "tsan check --threads 2 --mb $mb, reduced set" build-tsan/cnnbench check --threads 2 --mb $mb \
        --no-golden --shapes tests/arm_shapes.txt
done
exit $fail

#!/usr/bin/env bash
# `make test`: everything that proves the kernels right, natively and on aarch64 under qemu.
#   1. unit and edge tests (build/cnnbench-tests)
#   2. every implementation on every layer of every network, bit-exact (golden hashes)
#   3. the ISAs this CPU runs were all exercised; CNB_MAX_ISA hides what it should
#   4. the deliberately broken implementations are rejected (wrong values, guard page)
#   5. bad input: one line naming the problem, exit status 2, no crash
#   6. a small `cnnbench bench`: a failed validation gets no speed; repetitions interleave
#   7. `cnnbench compare` on constructed CSVs, and damaged ones
#   8. sanitizers (scripts/sanitize.sh) and a short fuzzing pass with the regression inputs
#      (scripts/fuzz.sh --quick)
#   9. the aarch64 build under qemu (skipped with --native-only)
# Ends with `N passed, N failed`; exits non-zero on any failure. Speed is never asserted here.
set -uo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY=passive   # tests share the machine; spinning OpenMP threads only slow them
bin=build/cnnbench
pass=0 fail=0
log=$(mktemp)
trap 'rm -f "$log" "$log.err"' EXIT

ok()  { pass=$((pass + 1)); echo "ok   $*"; }
# Split one CSV line (RFC 4180 quoting) into the array F.
csv_split() {
    local line=$1 field="" q=0 c i
    F=()
    for ((i = 0; i < ${#line}; i++)); do
        c=${line:i:1}
        if ((q)); then
            if [[ $c != '"' ]]; then field+=$c
            elif [[ ${line:i+1:1} == '"' ]]; then field+='"'; i=$((i + 1))
            else q=0; fi
        else
            case $c in
            '"') q=1 ;;
            ,) F+=("$field"); field="" ;;
            *) field+=$c ;;
            esac
        fi
    done
    F+=("$field")
}
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# 1. Unit tests: their own count joins ours.
t0=$SECONDS
build/cnnbench-tests >"$log" 2>&1
rc=$?
grep -E '^(FAIL|  FAIL)' -A1 "$log" | head -40
line=$(tail -1 "$log")
if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    pass=$((pass + BASH_REMATCH[1])); fail=$((fail + BASH_REMATCH[2]))
    echo "unit: $line ($(grep 'isas exercised' "$log"); $((SECONDS - t0)) s)"
fi
[[ $rc -eq 0 ]] || [[ $line =~ failed$ ]] || bad "unit tests did not finish (status $rc)"

# 2. Every implementation on every layer of every network at batch 1, exact mode.
t0=$SECONDS
if $bin check --net all >"$log" 2>&1; then
    ok "check --net all: $(tail -1 "$log") ($((SECONDS - t0)) s)"
else
    grep -E '^(FAIL|MISTRUSTED|     repro)' "$log" | head -20
    bad "check --net all: $(tail -1 "$log")"
fi

# 3. Every ISA this CPU can run was exercised by the network check; the cap hides AVX-512.
want=$($bin info --isas)
ran=$(grep 'isas exercised' "$log")
missing=""
for isa in $want; do grep -qw "$isa" <<<"$ran" || missing+=" $isa"; done
native_isas=$(sed 's/.*isas exercised: *//' <<<"$ran")
if [[ -z $missing ]]; then ok "isas exercised: $want"; else bad "isas the CPU supports but no check ran:$missing"; fi
if grep -qw avx512 <<<"$want"; then
    if CNB_MAX_ISA=avx2 $bin check --net resnet_50 --op pool -v >"$log" 2>&1 &&
       ! grep -q 'isas exercised:.*avx512' "$log" && grep -q 'above the cap' "$log"; then
        ok "CNB_MAX_ISA=avx2: AVX-512 implementations skipped, and the verbose listing says why"
    else
        bad "CNB_MAX_ISA=avx2 did not hide the AVX-512 implementations"
    fi
fi

# 4. The broken implementations are rejected, with a repro line.
expect_fail() { # name, args...
    local name=$1; shift
    if $bin check --impl "$name" "$@" >"$log" 2>&1; then
        bad "$name passed validation: the validator misses its bug"
    elif grep -q "^FAIL $name" "$log" && grep -q "repro: cnnbench check --impl $name" "$log"; then
        ok "$name rejected: $(grep -m1 "^FAIL" "$log" | cut -c1-110)"
    else
        bad "$name: no FAIL line with a repro"; tail -3 "$log"
    fi
}
expect_fail conv/broken_pad --net resnet_50 --op conv
expect_fail gemm/broken_tail --net vgg_16 --op fc
expect_fail pool/broken_avg --net inception_v3 --op pool
if $bin check --impl conv/broken_overread 'conv mb1ic3ih10oc4oh10kh3ph1' >"$log" 2>&1; then
    bad "conv/broken_overread passed: the guard page did not catch the over-read"
elif grep -q 'guard page hit' "$log"; then
    ok "conv/broken_overread caught by the guard page: $(grep -m1 'guard page' "$log")"
else
    bad "conv/broken_overread failed without naming the guard page"; tail -3 "$log"
fi

# 5. Bad input: exit status 2, exactly one line on stderr, nothing on fire.
expect_bad() { # description, command...
    local what=$1; shift
    "$@" >"$log" 2>"$log.err"
    local rc=$? lines
    lines=$(wc -l <"$log.err")
    if [[ $rc -eq 2 && $lines -eq 1 ]]; then
        ok "bad input, $what: $(cat "$log.err")"
    else
        bad "bad input, $what: status $rc, $lines lines on stderr"; head -3 "$log.err"
    fi
}
expect_bad "malformed descriptor"  $bin check 'conv mb1ic8ih8oc8kh3qq4'
expect_bad "unterminated name"     $bin check 'conv mb1ic8ih8oc8kh3n"open'
expect_bad "groups do not divide"  $bin check 'conv g3mb1ic8ih8oc8kh3'
expect_bad "kernel > padded input" $bin check 'conv mb1ic8ih4oc8kh7'
expect_bad "non-positive output"   $bin check 'conv mb1ic8ih8oc8oh0kh3'
expect_bad "window in padding"     $bin check 'pool mb1ic8ih8oh20kh3'
expect_bad "unknown network"       $bin check --net no_such_net
expect_bad "unknown network (list)" $bin list no_such_net
expect_bad "missing shapes file"   $bin check --shapes /nonexistent/shapes.txt
expect_bad "unknown implementation" $bin check --impl conv/no_such_kernel
expect_bad "unknown command"       $bin frobnicate
expect_bad "bad thread count"      $bin check --threads 0 'conv mb1ic8ih8oc8kh3'
expect_bad "unknown ISA cap"       env CNB_MAX_ISA=sse9 $bin info
if grep -qw avx512 <<<"$want"; then
    avx512=$($bin impls | awk '$3 == "avx512" {print $1; exit}')
    [[ -n $avx512 ]] && expect_bad "ISA the CPU (capped) lacks" env CNB_MAX_ISA=avx2 $bin check --impl "$avx512" 'conv mb1ic8ih8oc8kh3'
fi
if ! grep -qw neon <<<"$want"; then
    neon=$($bin impls | awk '$3 == "neon" {print $1; exit}')
    [[ -n ${neon:-} ]] && expect_bad "ISA the CPU lacks" $bin check --impl "$neon" 'conv mb1ic8ih8oc8kh3'
fi

# 6. bench, end to end on one small layer (needs Google Benchmark, which deps.sh installs): the
#    broken implementation's row says FAIL and has no time; the two good ones have times; their
#    repetitions alternate (round after round), not one row's back to back; bad options exit 2.
expect_bad "bench, unknown option" $bin bench --frobnicate
expect_bad "bench, Google Benchmark's own interleaving" $bin bench --benchmark_enable_random_interleaving=true --out - 'conv mb1ic8ih8oc8kh3'
expect_bad "bench, unwritable output" $bin bench --out "$log/x.csv" 'conv mb1ic8ih8oc8kh3'
bdir=$(mktemp -d)
$bin bench --impl conv/scalar_im2col --impl conv/ref --impl conv/broken_pad --threads 1 --reps 3 \
    --min-time 0.001 --out "$bdir/b.csv" 'conv mb1ic16ih12oc16kh3ph1' >"$log" 2>&1
rc=$?
why=""
if [[ -f $bdir/b.csv ]]; then
    IFS= read -r header <"$bdir/b.csv"
    csv_split "$header"
    declare -A col=()
    for i in "${!F[@]}"; do col[${F[i]}]=$i; done
    timed=0
    while IFS= read -r line; do
        csv_split "$line"
        impl=${F[col[impl]]} val=${F[col[validation]]} t=${F[col[time_median_s]]}
        reps=${F[col[repetitions]]} gf=${F[col[gflops]]}
        case $impl in
        conv/broken_pad) [[ $val == FAIL && -z $t && -z $gf ]] || why+=" broken_pad: $val time '$t';" ;;
        *) [[ $val == PASS && -n $t && $reps == 3 ]] && timed=$((timed + 1)) || why+=" $impl: $val time '$t' reps $reps;" ;;
        esac
    done < <(tail -n +2 "$bdir/b.csv")
    [[ $timed -eq 2 ]] || why+=" $timed rows timed, want 2;"
    runs=$(grep -o '^ *"name": "conv/[a-z0-9_]*/' "$bdir/b.json" | cut -d/ -f2 | grep -v broken | tr '\n' ' ')
    [[ $runs == "scalar_im2col ref scalar_im2col ref scalar_im2col ref " ]] ||
        why+=" repetitions not interleaved: $runs"
else
    why="no CSV written"
fi
if [[ $rc -eq 1 && -z $why ]]; then
    ok "bench: broken_pad FAIL without a time, 2 rows timed, repetitions interleaved, status 1"
else
    bad "bench: status $rc (want 1) $why"; tail -5 "$log"
fi
rm -rf "$bdir"

# 7. compare: flags a constructed 10 % slow-down and a new failure, quiet on identical runs, on a
#    change inside the spread, and on one larger than each run's spread but not their sum.
expect_compare() { # file, expected status, expected text
    $bin compare tests/compare/base.csv "tests/compare/$1" >"$log" 2>&1
    local rc=$?
    if [[ $rc -eq $2 ]] && grep -q "$3" "$log"; then
        ok "compare base vs $1: status $rc, $(tail -1 "$log")"
    else
        bad "compare base vs $1: status $rc (want $2), no '$3'"; tail -3 "$log"
    fi
}
expect_compare base.csv 0 "0 faster, 0 slower, 0 new failures"
expect_compare slower10.csv 1 "^SLOWER .*conv/avx512_direct"
expect_compare slower10.csv 1 "re-time: cnnbench bench --impl conv/avx512_direct --threads 1 .*'conv g1mb1ic64"
expect_compare noisy10.csv 0 "0 slower"
expect_compare within_sum.csv 0 "0 faster, 0 slower"
expect_compare newfail.csv 1 "^NEW FAILURE conv/avx2_direct"
expect_compare schema2_slower10.csv 1 "^SLOWER .*conv/avx512_direct"
#    Two machines: said in the first line, a ratio per network x implementation x threads (a layer
#    shared by two networks counts in each), and no exit 1 for B's slower GEMM or its failure.
expect_compare other_machine.csv 0 "^  resnet_50_v1_5 *conv/avx512_direct *1 *0.800 *1$"
expect_compare other_machine.csv 0 "^  gemm *gemm/avx512_14x32 *2 *2.000"
expect_compare other_machine.csv 0 "^FAIL on B's machine conv/avx2_direct"
$bin compare tests/compare/base.csv tests/compare/other_machine.csv 2>&1 | head -1 >"$log"
if grep -q "^machines differ: A ran on test-2c, B on other-4c" "$log"; then
    ok "compare across machines: first line: $(cut -c1-60 "$log")..."
else
    bad "compare across machines: first line does not say so: $(cat "$log")"
fi
expect_bad "compare, missing file" $bin compare tests/compare/base.csv /nonexistent.csv
expect_bad "compare, not a cnnbench CSV" $bin compare tests/compare/base.csv tests/arm_shapes.txt
#    Damaged CSVs, for compare and plot: exit 2 and one line naming the problem.
cdir=$(mktemp -d)
: >"$cdir/empty.csv"
head -c 300 tests/compare/base.csv >"$cdir/cut.csv"                       # cut inside a row
head -c -1 tests/compare/base.csv >"$cdir/cut_edge.csv"                   # every field, no newline
head -c 260 tests/compare/base.csv >"$cdir/cut_quoted.csv"; printf ',"12 of' >>"$cdir/cut_quoted.csv"
{ head -c 200 tests/compare/base.csv; printf 'x\0\0y'; tail -c +201 tests/compare/base.csv; } >"$cdir/nul.csv"
{ head -1 tests/compare/base.csv; head -c 1100000 /dev/zero | tr '\0' 7; echo; } >"$cdir/huge.csv"
expect_bad_msg() { # description, message pattern, command...
    local what=$1 want=$2; shift 2
    "$@" >"$log" 2>"$log.err"
    local rc=$?
    if [[ $rc -eq 2 && $(wc -l <"$log.err") -eq 1 ]] && grep -q "$want" "$log.err"; then
        ok "bad input, $what: $(cat "$log.err")"
    else
        bad "bad input, $what: status $rc (want 2), stderr: $(head -2 "$log.err") (want '$want')"
    fi
}
for cmd in compare plot; do
    args=(); [[ $cmd == compare ]] && args=(tests/compare/base.csv)
    expect_bad_msg "$cmd, empty CSV" "empty.csv is empty" $bin $cmd "${args[@]}" "$cdir/empty.csv"
    expect_bad_msg "$cmd, CSV cut in a row" "cut.csv:3: the file ends in the middle of a row" \
        $bin $cmd "${args[@]}" "$cdir/cut.csv"
    expect_bad_msg "$cmd, CSV cut between fields" "cut_edge.csv:4: the file ends in the middle of a row" \
        $bin $cmd "${args[@]}" "$cdir/cut_edge.csv"
    expect_bad_msg "$cmd, CSV cut in a quoted field" "cut_quoted.csv:2: the file ends in the middle of a quoted field" \
        $bin $cmd "${args[@]}" "$cdir/cut_quoted.csv"
    expect_bad_msg "$cmd, binary CSV" "nul.csv has a NUL byte at offset 201" $bin $cmd "${args[@]}" "$cdir/nul.csv"
    expect_bad_msg "$cmd, huge line" "huge.csv:2: a record longer than" $bin $cmd "${args[@]}" "$cdir/huge.csv"
done
expect_bad_msg "compare, a folder for a CSV" "cannot read $cdir: Is a directory" $bin compare tests/compare/base.csv "$cdir"
[[ -d $cdir/nul-plots || -d $cdir/cut-plots ]] && bad "plot wrote charts for a damaged CSV"
rm -rf "$cdir"

# 8. Sanitizers and fuzzing: the unit tests and the reduced network check under ASan + UBSan, the
#    threaded drivers under TSan; every fuzz target's regression inputs and seeds, then 5 s of
#    fuzzing each. `make sanitize` and `make fuzz` run the same at length.
t0=$SECONDS
bash scripts/sanitize.sh >"$log" 2>&1
rc=$?
grep '^sanitize' "$log" | sed 's/^/     /'
if [[ $rc -eq 0 ]] && ! grep -q '^sanitize FAIL' "$log"; then
    ok "sanitizers: $(grep -c '^sanitize ok' "$log") steps clean ($((SECONDS - t0)) s)"
else
    bad "sanitizers (status $rc)"; grep -A8 '^sanitize FAIL' "$log" | head -20
fi
t0=$SECONDS
bash scripts/fuzz.sh --quick >"$log" 2>&1
rc=$?
if [[ $rc -eq 0 ]]; then
    ok "fuzzing: regression inputs pass; $(grep -c 'no finding' "$log") targets 5 s without a finding ($((SECONDS - t0)) s)"
else
    bad "fuzzing (status $rc)"; head -20 "$log"
fi

# 9. aarch64 under qemu.
if [[ ${1:-} != --native-only ]]; then
    t0=$SECONDS
    bash scripts/arm.sh >"$log" 2>&1
    rc=$?
    grep -v '^arm: [0-9]' "$log"
    arm_isas=$(grep -o 'check on .*isas exercised: [a-z0-9 ]*' "$log" | sed 's/.*isas exercised: *//')
    line=$(grep '^arm: [0-9]* passed' "$log" | tail -1)
    if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
        pass=$((pass + BASH_REMATCH[1])); fail=$((fail + BASH_REMATCH[2]))
        echo "arm: ${line#arm: } ($((SECONDS - t0)) s)"
    else
        bad "arm: the aarch64 check did not finish (status $rc)"
    fi
fi

echo "isas exercised: native (${want% }): ${native_isas:-none}${arm_isas:+; aarch64 under qemu: $arm_isas}"
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]

#!/usr/bin/env bash
# `make test`: everything that proves the kernels right, natively and on aarch64 under qemu.
#   0. the builds (native in the foreground, the others in the background)
#   1. unit and edge tests (build/cnnbench-tests)
#   2. every implementation on every layer of every network, bit-exact (golden hashes)
#   3. the ISAs this CPU runs were all exercised; CNB_MAX_ISA hides what it should
#   4. the deliberately broken implementations are rejected (wrong values, guard page)
#   5. bad input: one line naming the problem, exit status 2, no crash
#   6. a small `cnnbench bench`: a failed validation gets no speed; repetitions interleave
#   7. `cnnbench compare` on constructed CSVs, and damaged ones
#   8. build configuration and peers: the build notices a changed configuration; the peers built
#      in are the ones bench reports, and they stay available, honestly tagged, under the AVX2 cap
#   9. interrupted runs, memory, output: resume, refusals, unwritable and full outputs
#  10. sanitizers (scripts/sanitize.sh) and a short fuzzing pass with the regression inputs
#      (scripts/fuzz.sh --quick)
#  11. the aarch64 build under qemu (skipped with --native-only)
# The builds of steps 10 and 11, and step 11 itself, start in the background before step 1 (see
# step 0).
# Ends with `N passed, N failed`; exits non-zero on any failure. Speed is never asserted here.
set -uo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY=passive   # tests share the machine; spinning OpenMP threads only slow them
bin=build/cnnbench
pass=0 fail=0
log=$(mktemp)
prelog=$(mktemp) prebuild="" arm_run=""
trap '[[ -n $prebuild ]] && kill -- -"$prebuild" 2>/dev/null; [[ -n $arm_run ]] && kill -- -"$arm_run" 2>/dev/null; rm -f "$log" "$log.err" "$log.net" "$log.arm" "$prelog" ${stray:+"$stray"}' EXIT

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

# 0. The builds of steps 10 and 11 start first, in the background, each in its own process group
#    (so that an early exit stops it), at the lowest priority: a new session is a new scheduler
#    autogroup where the kernel has them, whose own nice value is raised too (or the builds would
#    take half the machine from the tests). They fill what the native build and steps 1-9 leave
#    idle, and have both cores once those are done. The aarch64 group runs its check under qemu
#    as soon as its cross build is done; step 11 collects its result. The steps' own builds are
#    then up to date; a build that failed here fails again there, where it is reported.
arm_log=$log.arm arm_t0=$SECONDS
if [[ ${1:-} != --native-only ]]; then
    setsid -w nice -n 19 bash -c 'echo 19 2>/dev/null >/proc/self/autogroup
        CNB_JOBS=2 bash scripts/arm.sh' >"$arm_log" 2>&1 &
    arm_run=$!
fi
setsid -w nice -n 19 bash -c 'echo 19 2>/dev/null >/proc/self/autogroup
    export CNB_JOBS=2
    bash scripts/sanitize.sh --build-only
    bash scripts/fuzz.sh --build-only' >"$prelog" 2>&1 &
prebuild=$!
# The native build, in the foreground: everything below runs it.
if ! make --no-print-directory -j"$(nproc)" all; then
    bad "the native build failed"; echo "$pass passed, $fail failed"; exit 1
fi

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

cp "$log" "$log.net"

# bf16 and int8 convolution and pooling (--dt LIST: each network layer in each data-type set):
# the reference through the harness on descriptors of every conv/pool configuration (typed blocked
# layouts, typed fill, requantization), then resnet_50's pooling and convolution in bf16 and int8
# with every implementation that takes them (golden hashes: tests/golden/resnet_50.txt).
t0=$SECONDS
if $bin check --impl conv/ref,pool/ref 'conv --dt=bf16 mb2ic19ih9oc21kh3ph1' \
       'conv --dt=bf16:bf16:f32 g2mb1ic34ih7oc18kh3sh2ph1' 'conv --dt=u8:s8:s32 mb1ic17ih6oc33kh3' \
       'conv --dt=u8:s8:u8 mb2ic40ih8oc24kh3ph1' 'conv --dt=s8:s8:s8 mb1ic64ih5oc20kh3ph1' \
       'pool:max --dt=bf16 mb2ic19ih9kh3sh2ph1' 'pool:avg_np --dt=u8 mb2ic17ih9kh3sh2ph1' \
       'pool:avg_p --dt=s8:s8 mb1ic16ih7kh2sh2' >"$log" 2>&1 &&
   grep -q '^8 passed, 0 failed' "$log" && grep -q 'cli:4 u8:s8:u8' "$log"; then
    ok "conv/pool bf16 and int8 through the reference: $(tail -1 "$log") ($((SECONDS - t0)) s)"
else
    bad "conv/pool bf16 and int8 through the reference: $(tail -1 "$log")"; grep -v '^PASS' "$log" | head -5
fi
t0=$SECONDS
# Only the implementations this machine runs: naming one it cannot run is an error of check's.
lowp_impls=$($bin impls 2>/dev/null | awk '($2 == "conv" || $2 == "pool") && $NF == "runnable" {print $1}' |
             grep -v '/ref$' | tr '\n' ',')
if $bin check --dt bf16,int8 --net resnet_50 --impl "${lowp_impls}pool/ref" >"$log" 2>&1; then
    ok "check --dt bf16,int8 --net resnet_50: $(tail -1 "$log"), $(grep -c '(golden)' "$log") golden ($((SECONDS - t0)) s)"
else
    grep -E '^(FAIL|MISTRUSTED|     repro)' "$log" | head -20
    bad "check --dt bf16,int8 --net resnet_50: $(tail -1 "$log")"
fi
cp "$log.net" "$log"   # the network check's log, for the ISA test below
rm -f "$log.net"

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
# Every ISA level this CPU runs has its compute probes measured (the rows of the ISA table that
# declare one): a level whose probe file were missing or never ran would have no peak to report
# its kernels against.
# "isa levels: scalar avx2 avx512 (no: why) ...": the words not followed by "(no:" that are rows
# of an ISA table.
levels=$($bin info | sed -n 's/^isa levels: *//p' |
         awk '{for (i = 1; i <= NF; i++) if ($(i + 1) != "(no:") print $i}' |
         grep -v '^scalar$' | sort -u)
peaks=$($bin info --peaks 2>/dev/null)
noprobe=""
for isa in $levels; do
    grep -q "^CNB_ISA( *[A-Z0-9_]*, *$isa *," arch/isa_*.def || continue
    awk -v i="$isa" '$1 == i && $3 > 0 {found = 1} END {exit !found}' <<<"$peaks" || noprobe+=" $isa"
done
if [[ -z $noprobe ]]; then
    ok "compute probes measured for every usable level: $(awk '/^  [a-z_0-9]+ (f32|bf16|int8) /{printf "%s/%s ", $1, $2}' <<<"$peaks")"
else
    bad "usable ISA levels without a measured compute peak:$noprobe"
fi

# The planner (kernels/plan.h) on the fully-connected layers, where the GEMM driver times its two
# paths: bit-exact without measuring (model), measuring without the wisdom file (measure), and
# with it (cache) twice -- the first run writes a choice per layer and thread count, the second
# reads them and appends nothing; `cnnbench plan` lists them and --clear removes the file.
# Our f32 GEMMs are named <isa>_<MR>x<NR> (the bf16/int8 ones carry their ISA level's longer name).
plan_impl=$($bin impls 2>/dev/null | awk '$1 ~ /^gemm\/(avx512|avx2|neon)_[0-9]+x[0-9]+$/ && / runnable/ {print $1; exit}')
if [[ -n $plan_impl ]]; then
    plan_home=$(mktemp -d) why="" lines=()
    for mode in model measure cache cache; do
        XDG_CACHE_HOME=$plan_home CNB_PLAN=$mode $bin check --net vgg_16 --op fc --impl "$plan_impl" --threads 2 >"$log" 2>&1 ||
            why+=" CNB_PLAN=$mode: $(tail -1 "$log");"
        [[ $mode == cache ]] && lines+=("$(XDG_CACHE_HOME=$plan_home $bin plan | grep -c "^  $plan_impl ")")
    done
    [[ ${lines[0]:-0} -gt 0 && ${lines[0]} == "${lines[1]:-x}" ]] || why+=" cached choices: ${lines[*]:-none} (want the same non-zero count twice);"
    XDG_CACHE_HOME=$plan_home $bin plan --clear >/dev/null && XDG_CACHE_HOME=$plan_home $bin plan | grep -q 'no choices' || why+=" --clear left the file;"
    rm -rf "$plan_home"
    if [[ -z $why ]]; then ok "planner: $plan_impl on vgg_16 fc bit-exact with CNB_PLAN=model, measure and cache at 2 threads; ${lines[0]} choices cached, read back without re-measuring"
    else bad "planner:$why"; fi
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
expect_fail gemm/broken_int8_sat 'gemm --dt=u8:s8:s32 m33n17k70' 'fc --dt=u8:s8:s32 mb3ic256oc40'
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
expect_bad "avg_np window in padding" $bin check 'pool:avg_np mb1ic8ih8oh20kh3'
expect_bad "3D with h but no w"    $bin check 'conv mb1ic4id8ih8oc4kd3kh3'
expect_bad "unsupported data types" $bin check 'gemm --dt=bf16:s8:f32 m4n4k4'
expect_bad "scale not a power of 2" $bin check 'gemm --dt=u8:s8:u8 --attr-scales=dst:common:3 m4n4k4'
expect_bad "conv u8:u8:u8"          $bin check 'conv --dt=u8 mb1ic8ih8oc8kh3'
expect_bad "conv bf16 with scales"  $bin check 'conv --dt=bf16 --attr-scales=dst:common:2 mb1ic8ih8oc8kh3'
expect_bad "pool of two types"      $bin check 'pool:max --dt=u8:s8 mb1ic8ih8kh3'
expect_bad "pool s32"               $bin check 'pool:avg_p --dt=s32 mb1ic8ih8kh3'
expect_bad "pool with scales"       $bin check 'pool:avg_p --dt=u8 --attr-scales=dst:common:2 mb1ic8ih8kh3'
expect_bad "--dt LIST, unknown set" $bin check --dt f32,f16 'conv mb1ic8ih8oc8kh3'
expect_bad "--dt LIST, twice"       $bin bench --dt int8,int8 --out - 'conv mb1ic8ih8oc8kh3'
expect_bad "batch 0 (--mb 0)"      $bin check --mb 0 'conv mb1ic8ih8oc8kh3'
expect_bad "batch 0 (mb0)"         $bin check 'conv mb0ic8ih8oc8kh3'
expect_bad "batch 0 in a table"    $bin check --shapes <(echo 'conv mb0ic8ih8oc8kh3') --impl conv/scalar_im2col
# ... and a table of only bad lines runs nothing (not every network, as if no table were named).
grep -q '^0 passed, 0 failed' "$log" && ok "a table of only bad lines runs nothing" ||
    bad "a table of only bad lines ran: $(grep passed "$log")"

# Shapes benchdnn accepts are accepted, and pass: 1D, 3D from d alone, windows entirely in padding
# (max there is -FLT_MAX, as benchdnn), and one where dilation puts every window in padding.
for d in 'conv ic16oc16_iw1kw3ow100pw100' 'conv mb1ic8oc8id4kd3pd1' 'conv mb1ic16oc16ih4kh1ph1' \
         'conv g1mb2ic17id1ih21iw37oc17od1oh7ow20kd2kh1kw7sd1sh3sw2pd1ph0pw4dd1dh2dw0' \
         'pool:max mb1ic16iw1kw3ow10pw5' 'pool:avg_p mb1ic19id3kd1pd2'; do
    if $bin check "$d" >"$log" 2>&1 && grep -q ' 0 failed' "$log" && ! grep -q MISTRUSTED "$log"; then
        ok "benchdnn shape '$d': $(tail -1 "$log")"
    else
        bad "benchdnn shape '$d' does not pass"; grep -v '^PASS' "$log" | head -3
    fi
done
# The descriptor's own mb stands (repro line included); --mb overrides it.
$bin check --impl conv/broken_pad 'conv mb2ic16ih8oc16oh8kh3ph1' >"$log" 2>&1
if grep -q "repro: .*'conv g1mb2ic16" "$log"; then ok "a descriptor's mb2 stands: $(grep -m1 repro: "$log" | cut -c1-100)"
else bad "a descriptor's mb2 is not what ran"; grep -m1 repro: "$log"; fi
$bin check --mb 3 --impl conv/broken_pad 'conv mb2ic16ih8oc16oh8kh3ph1' >"$log" 2>&1
if grep -q "repro: .*'conv g1mb3ic16" "$log"; then ok "--mb 3 overrides the descriptor's mb2"
else bad "--mb 3 did not override mb2"; grep -m1 repro: "$log"; fi

# A malformed table line: one stderr line with file and line, the other lines still run, and the
# status is 2 at the end. Truncated and binary tables likewise, without a crash.
expect_table() { # description, file, expected stderr text, expected layers validated
    local what=$1 file=$2 text=$3 want=$4 cmd rc lines
    for cmd in check bench; do
        if [[ $cmd == check ]]; then
            $bin check --impl conv/scalar_im2col --shapes "$file" >"$log" 2>"$log.err"
        else
            $bin bench --dry-run --impl conv/scalar_im2col --shapes "$file" >"$log" 2>"$log.err"
        fi
        rc=$? lines=$(wc -l <"$log.err")
        if [[ $rc -eq 2 && $lines -eq 1 ]] && grep -q "$text" "$log.err" &&
           { [[ $cmd == bench ]] || grep -q "^$want passed, 0 failed" "$log"; }; then
            ok "$cmd, $what: $(cat "$log.err")"
        else
            bad "$cmd, $what: status $rc, $lines lines on stderr, $(grep -c '^PASS' "$log") passed (want $want)"
            head -3 "$log.err"
        fi
    done
}
tdir=$(mktemp -d)
printf 'conv mb1ic8ih8oc8kh3n"t:a"\nconv mb1ic8ih8oc8kh3qq4n"t:bad"\nconv mb1ic8ih9oc8kh3n"t:b"\n' >"$tdir/bad_line.txt"
expect_table "malformed line" "$tdir/bad_line.txt" "bad_line.txt:2: unknown key 'qq'" 2
printf 'conv mb1ic8ih8oc8kh3n"t:a"\nconv mb1ic8ih9oc8kh3n"t:b"\nconv mb1ic8ih8o' >"$tdir/cut.txt"
expect_table "line cut in the middle" "$tdir/cut.txt" "cut.txt:3: 'o' needs a number" 2
{ echo 'conv mb1ic8ih8oc8kh3n"t:a"'; head -c 3000 /dev/zero | tr '\0' 1; echo; echo 'conv mb1ic8ih9oc8kh3n"t:b"'; } >"$tdir/long.txt"
expect_table "over-long line" "$tdir/long.txt" "long.txt:2: line longer than" 2
{ echo 'conv mb1ic8ih8oc8kh3n"t:a"'; printf '\177ELF\2\1\1\0\0\0\n'; echo 'conv mb1ic8ih9oc8kh3n"t:b"'; } >"$tdir/binary.txt"
expect_table "binary file" "$tdir/binary.txt" "binary.txt:2: a NUL byte" 1
rm -rf "$tdir"
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
#    --mb 1,2 times every layer at both batches and totals each batch apart.
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

# Throughput against batch (--mb 1,2): every layer at each batch; the networks CSV has one row per
# batch whose time per image is the sum over layers of multiplicity x median / batch, to the 6
# significant digits the CSVs print (a wrong batch divisor is off by 2x).
bdir=$(mktemp -d)
$bin bench --net alexnet --op conv --impl conv/avx2_direct --threads 1 --mb 1,2 --reps 1 \
    --min-time 0.001 --out "$bdir/x.csv" >"$log" 2>&1
rc=$?
why=""
if [[ $rc -eq 0 && -f $bdir/x.csv && -f $bdir/x-networks.csv ]]; then
    # per layer: layer batch multiplicity median (csv_split: quoted machine fields hold commas)
    IFS= read -r header <"$bdir/x.csv"
    csv_split "$header"
    declare -A col=()
    for i in "${!F[@]}"; do col[${F[i]}]=$i; done
    while IFS= read -r line; do
        csv_split "$line"
        echo "${F[col[layer]]} ${F[col[batch]]} ${F[col[multiplicity]]} ${F[col[time_median_s]]}"
    done < <(tail -n +2 "$bdir/x.csv") >"$bdir/layers"
    IFS= read -r header <"$bdir/x-networks.csv"
    csv_split "$header"
    col=()
    for i in "${!F[@]}"; do col[${F[i]}]=$i; done
    while IFS= read -r line; do
        csv_split "$line"
        echo "${F[col[batch]]} ${F[col[time_per_image_s]]} ${F[col[impl]]}"
    done < <(tail -n +2 "$bdir/x-networks.csv") >"$bdir/nets"
    for l in $(cut -d' ' -f1 "$bdir/layers" | sort -u); do
        [[ $(awk -v l="$l" '$1 == l { print $2 }' "$bdir/layers" | sort -n | tr '\n' ' ') == "1 2 " ]] ||
            why+=" $l not at batch 1 and 2 once each;"
    done
    [[ $(cut -d' ' -f1 "$bdir/layers" | sort -u | wc -l) -eq 5 ]] || why+=" not the 5 conv layers;"
    [[ $(cut -d' ' -f1 "$bdir/nets" | tr '\n' ' ') == "1 2 " ]] || why+=" networks CSV batches: $(cut -d' ' -f1 "$bdir/nets" | tr '\n' ' ');"
    why+=$(awk 'NR == FNR { sum[$2] += $3 * $4; next }
                { want = sum[$1] / $1; if (want <= 0 || ($2 - want) / want > 1e-5 || (want - $2) / want > 1e-5)
                      printf " batch %s: time_per_image_s %s, layers give %.9g;", $1, $2, want }' \
               "$bdir/layers" "$bdir/nets")
else
    why="status $rc or no CSVs"
fi
if [[ -z $why ]]; then
    ok "bench --mb 1,2: each layer at batch 1 and 2; networks CSV per batch = sum of multiplicity x median / batch"
else
    bad "bench --mb 1,2:$why"; tail -5 "$log"
fi
rm -rf "$bdir"
# --dt f32,bf16,int8: every conv and pool layer of a table in each set, one networks-CSV block per
# set (the int8 block holds the u8:s8:u8 convolutions and the u8 pooling), a layer naming its own
# --dt once, in its own block.
bdir=$(mktemp -d)
printf '%s\n' 'conv mb1ic8ih10oc16kh3ph1n"t:c1"' 'pool:max mb1ic16ih10kh3sh2n"t:p1"' \
    'conv --dt=u8:s8:s8 mb1ic16ih5oc8kh1n"t:own"' >"$bdir/t.txt"
$bin bench --dt f32,bf16,int8 --shapes "$bdir/t.txt" --impl conv/ref,pool/ref --threads 1 --reps 1 \
    --min-time 0.001 --out "$bdir/d.csv" >"$log" 2>&1
rc=$?
why=""
if [[ $rc -eq 0 && -f $bdir/d.csv && -f $bdir/d-networks.csv ]]; then
    IFS= read -r header <"$bdir/d.csv"
    csv_split "$header"
    declare -A col=()
    for i in "${!F[@]}"; do col[${F[i]}]=$i; done
    rows=$(while IFS= read -r line; do csv_split "$line"; echo "${F[col[layer]]}:${F[col[dt]]}"; done < <(tail -n +2 "$bdir/d.csv") | sort | tr '\n' ' ')
    [[ $rows == "t:c1:bf16 t:c1:f32 t:c1:u8:s8:u8 t:own:u8:s8:s8 t:p1:bf16 t:p1:f32 t:p1:u8 " ]] || why+=" layer rows: $rows;"
    IFS= read -r header <"$bdir/d-networks.csv"
    csv_split "$header"
    col=()
    for i in "${!F[@]}"; do col[${F[i]}]=$i; done
    blocks=$(while IFS= read -r line; do csv_split "$line"; echo "${F[col[dt]]}/${F[col[impl]]}/${F[col[layers_timed]]}"; done < <(tail -n +2 "$bdir/d-networks.csv") | grep -v /all/ | sort | tr '\n' ' ')
    [[ $blocks == "bf16/conv/ref/1 bf16/pool/ref/1 f32/conv/ref/1 f32/pool/ref/1 u8:s8:s8/conv/ref/1 u8:s8:u8/conv/ref/1 u8:s8:u8/pool/ref/1 " ]] ||
        why+=" networks blocks: $blocks;"
else
    why="status $rc or no CSVs"
fi
if [[ -z $why ]]; then
    ok "bench --dt f32,bf16,int8: conv and pool rows in each set; one networks block per set (u8 pooling in the u8:s8:u8 block)"
else
    bad "bench --dt f32,bf16,int8:$why"; tail -5 "$log"
fi
rm -rf "$bdir"
expect_bad "bench, --mb 1,0" $bin bench --mb 1,0 --out - 'conv mb1ic8ih8oc8kh3'
expect_bad "bench, --mb 1,x" $bin bench --mb 1,x --out - 'conv mb1ic8ih8oc8kh3'

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
#    Gzipped results (the published large CSVs are): read through gzip, same answer as the plain
#    file; a damaged or missing .gz gets one line.
gzip -c tests/compare/slower10.csv >"$cdir/slower10.csv.gz"
$bin compare tests/compare/slower10.csv "$cdir/slower10.csv.gz" >"$log" 2>&1
if [[ $? -eq 0 ]] && grep -q "0 faster, 0 slower, 0 new failures" "$log"; then
    ok "compare reads a .csv.gz: $(tail -1 "$log")"
else
    bad "compare of a CSV with its .csv.gz: $(tail -2 "$log")"
fi
head -c 100 "$cdir/slower10.csv.gz" >"$cdir/cut.csv.gz"
expect_bad_msg "compare, damaged .csv.gz" "cut.csv.gz: not a valid gzip file" $bin compare tests/compare/base.csv "$cdir/cut.csv.gz"
expect_bad_msg "compare, missing .csv.gz" "cannot open $cdir/none.csv.gz" $bin compare tests/compare/base.csv "$cdir/none.csv.gz"
[[ -d $cdir/nul-plots || -d $cdir/cut-plots ]] && bad "plot wrote charts for a damaged CSV"
rm -rf "$cdir"

# The design-argument page (cnnbench report): from a constructed run whose numbers are known, the
# claimed FLOP and parameter ratios, the measured time ratio per group (a FAIL row, faster, is
# ignored; a group missing a layer has no time), the memory-bound part and the verdict.
rdir=$(mktemp -d)
{
    echo 'schema,machine,cpu_model,commit,network,layer,multiplicity,descriptor,impl,isa,threads,time_median_s,flops_dense,bytes,peak_gflops,peak_gbs,validation'
    r='3,m,cpu,abc,design'
    echo "$r,design:c1/base/conv,1,conv mb1ic16ih8oc16kh3ph1,conv/avx512_direct,avx512,1,0.004,8e9,1e8,200,20,PASS"
    echo "$r,design:c1/base/conv,1,conv mb1ic16ih8oc16kh3ph1,conv/onednn,avx512,1,0.005,8e9,1e8,200,20,PASS"
    echo "$r,design:c1/base/conv,1,conv mb1ic16ih8oc16kh3ph1,conv/avx2_direct,avx2,1,0.001,8e9,1e8,100,20,FAIL"
    echo "$r,design:c1/alt/pw*2,2,conv mb1ic16ih8oc16kh1,conv/avx512_direct,avx512,1,0.001,1e9,1e7,200,20,PASS"
    echo "$r,design:c1/alt/pw*2,2,conv mb1ic16ih8oc16kh1,conv/onednn,avx512,1,0.002,1e9,1e7,200,20,PASS"
    echo "$r,design:c1/alt/dw,1,conv g16mb1ic16ih8oc16kh3ph1,conv/avx512_direct,avx512,1,0.0005,2e9,1e9,200,20,PASS"
} >"$rdir/run.csv"
why=""
if $bin report "$rdir/run.csv" >"$log" 2>&1 && [[ -f $rdir/run-report.md ]]; then
    page=$rdir/run-report.md
    # claim 8/4 = 2.00×, params 2304/(2·256+144) = 3.51×; ours 4 / (2·1 + 0.5) = 1.60×; oneDNN has
    # no dw row: no ratio; the FAIL row (1 ms) is not the baseline's time.
    grep -qE '^\| ratio \| 2\.00× \| 3\.51× \| 1\.60× \| – \| – \|$' "$page" || why+=" ratio line: '$(grep '^| ratio' "$page")';"
    grep -qE '^\| base \(baseline\) \| 8\.0000 \| 0\.0023 \| 80\.0 \| compute \| 4 \| 5 \| 5 \|$' "$page" || why+=" baseline row: '$(grep '^| base' "$page")';"
    grep -qE '^\| alt \| 4\.0000 \| 0\.0007 \| .* \| memory: dw \| 2\.5 \| – \| – \|$' "$page" || why+=" alternative row: '$(grep '^| alt' "$page")';"
    grep -q '^- t=1: base / alt = 2.00× in FLOPs, 1.60× in time .*the claim holds\.' "$page" || why+=" verdict: '$(grep '^- t=' "$page")';"
else
    why=" report failed: $(tail -1 "$log")"
fi
# A CSV without design rows, and one without the columns, are refused with one line (exit 2).
printf 'schema,network,layer\n2,resnet_50,resnet_50:conv1\n' >"$rdir/bad.csv"
$bin report "$rdir/bad.csv" >"$log" 2>&1; rc=$?
[[ $rc -eq 2 && $(wc -l <"$log") -eq 1 ]] || why+=" a CSV without its columns: status $rc, '$(head -1 "$log")';"
rm -rf "$rdir"
if [[ -z $why ]]; then
    ok "report: claimed and measured ratios, roofline side and verdict from a constructed run"
else
    bad "report:$why"
fi

# 8. Build configuration and peers.
# The configuration stamp (Makefile): `make -n` with a changed configuration (a define added, or
# a peer forced off) wants to recompile objects; with the configuration of the build it wants
# nothing. `make -n` rewrites nothing, so the build is left as it was.
make_n() { make --no-print-directory -n "$@" all 2>&1 | grep -c -- ' -c '; }
n_same=$(make_n) n_define=$(make_n EXTRA_CFLAGS=-DCNB_CONFIG_TEST=1)
peer_off="" n_peer=""
for p in DNNL:onednn OPENBLAS:openblas BLIS:blis; do
    if [[ " $($bin impls 2>/dev/null | tr -s ' \n' ' ') " == *" gemm/${p#*:} "* ]]; then
        peer_off="HAVE_${p%%:*}="; n_peer=$(make_n "$peer_off"); break
    fi
done
if [[ $n_same -eq 0 && $n_define -gt 0 && ${n_peer:-1} -gt 0 && $(make_n) -eq 0 ]]; then
    ok "build: a changed configuration recompiles ($n_define objects${peer_off:+; $n_peer with $peer_off}), the same one nothing"
else
    bad "build: make -n wants $n_same compiles with the same configuration (want 0), $n_define with a new define${peer_off:+, ${n_peer} with $peer_off} (want > 0)"
fi
# The ISA table drives the build (arch/isa_<target>.def): each row's files are compiled with that
# row's flags and none other, the other architecture's files not at all, and a kernel file named
# after no ISA stops the build with one line naming it (a whitelist, not a list of exclusions).
cmds=$(make --no-print-directory -n -B all 2>&1)
flags_of() { grep -- " -c $1 " <<<"$cmds" | grep -o -- ' -m[a-z0-9-]*' | tr -d ' ' | sort | tr '\n' ' '; }
want_of() { sed -n "s/^CNB_ISA( *[A-Z0-9_]*, *$1 *,[^\"]*\"\([^\"]*\)\".*/\1/p" arch/isa_x86_64.def | tr ' ' '\n' | sort | tr '\n' ' '; }
why=""
if [[ $(uname -m) == x86_64 ]]; then
    for f in arch/peak_*.c kernels/*/*.c; do
        isa=$(basename "$f" .c); isa=${isa#peak_}
        # <part>_<isa>.c (the Makefile's rule): the ISA is the longest ending "_<row>" of the
        # name; the part may itself hold underscores (fewic_lowp_avx512_bf16.c)
        if [[ -z $(want_of "$isa") ]]; then
            s=$isa
            while [[ $s == *_* ]]; do
                s=${s#*_}
                [[ -n $(want_of "$s") ]] && { isa=$s; break; }
            done
        fi
        [[ $isa == driver ]] && continue
        case $isa in
            neon*) grep -q -- " -c $f " <<<"$cmds" && why+=" $f compiled on x86;" ;;
            scalar) [[ -z $(flags_of "$f") ]] || why+=" $f has ISA flags;" ;;
            *) [[ "$(flags_of "$f")" == "$(want_of "$isa")" ]] || why+=" $f: '$(flags_of "$f")' not its row's '$(want_of "$isa")';" ;;
        esac
    done
fi
stray=kernels/pool/sve.c
printf '#error not an ISA of this project\n' >"$stray"
stray_out=$(make --no-print-directory -n all 2>&1); stray_rc=$?
rm -f "$stray"
[[ $stray_rc -ne 0 && $stray_out == *"$stray: neither driver.c nor named after an ISA"* ]] || why+=" a stray $stray did not stop the build ($stray_rc);"
if [[ -z $why ]]; then
    ok "build: every ISA file compiled with its own row's flags only, none of the other architecture, a stray $stray refused"
else
    bad "build: ISA table and files:$why"
fi
goal=$(make --no-print-directory -n -p 2>/dev/null | sed -n 's/^\.DEFAULT_GOAL := //p')
[[ $goal == all ]] && ok "build: \`make\` alone builds all" || bad "build: \`make\` alone makes '$goal', not all"

# scripts/deps.sh checks each tool by what it must do: with a cross compiler that cannot find its
# headers, and then a qemu that cannot run the result, it stops with one line naming the tool
# (exit 1); an unknown option exits 2.
fdir=$(mktemp -d)
cross=$(command -v aarch64-linux-gnu-gcc)
printf '#!/bin/sh\nexec %s -nostdinc "$@"\n' "$cross" >"$fdir/aarch64-linux-gnu-gcc"
chmod +x "$fdir/aarch64-linux-gnu-gcc"
why=""
PATH=$fdir:$PATH bash scripts/deps.sh >"$log" 2>&1
rc=$?
[[ $rc -eq 1 && $(wc -l <"$log") -eq 1 ]] && grep -q '^cnnbench: aarch64-linux-gnu-gcc cannot' "$log" ||
    why+=" broken cross compiler: status $rc, '$(head -1 "$log")';"
printf '#!/bin/sh\nexit 1\n' >"$fdir/aarch64-linux-gnu-gcc"
cp "$fdir/aarch64-linux-gnu-gcc" "$fdir/qemu-aarch64-static"
rm "$fdir/aarch64-linux-gnu-gcc"
PATH=$fdir:$PATH bash scripts/deps.sh >"$log" 2>&1
rc=$?
[[ $rc -eq 1 && $(wc -l <"$log") -eq 1 ]] && grep -q '^cnnbench: qemu-aarch64-static' "$log" ||
    why+=" broken qemu: status $rc, '$(head -1 "$log")';"
bash scripts/deps.sh --frobnicate >"$log" 2>&1
rc=$?
[[ $rc -eq 2 && $(wc -l <"$log") -eq 1 ]] || why+=" unknown option: status $rc;"
rm -rf "$fdir"
if [[ -z $why ]]; then
    ok "deps.sh: a cross compiler without its C library, a qemu that cannot run, each one line, exit 1"
else
    bad "deps.sh:$why"
fi

# The peers: the bench header's and the CSV's `peers` are the peers `cnnbench impls` lists; each
# peer row's isa tag is the class of the kernel its library really ran (oneDNN's implementation,
# OpenBLAS's core, BLIS's configuration); under CNB_MAX_ISA=avx2 every peer stays runnable and
# runs AVX2-class code (oneDNN and OpenBLAS capped too); OpenBLAS's threads are bound one per CPU.
# Ours are named <op>/<isa>_<variant> after an ISA row of some table (arch/isa_*.def), or ref/broken.
isa_alt=$(sed -n 's/^CNB_ISA( *[A-Z0-9_]*, *\([a-z0-9_]*\) *,.*/\1/p' arch/isa_*.def | sort -u | paste -sd'|')
is_ours="^(conv|pool|gemm)/(ref|scalar_|broken|(${isa_alt})_)"
peer_impls=$($bin impls 2>/dev/null | awk 'NR > 1 {print $1}' | grep -vE "$is_ours" | tr '\n' ' ')
# (onednn_avx2 is a second copy of the onednn_gomp library, not a library of its own)
want_peers=$(for i in $peer_impls; do i=${i#*/}; echo "${i/%onednn_avx2/onednn_gomp}"; done |
             awk '!seen[$0]++' | tr '\n' ' ')
want_peers=${want_peers% }
isa_class() {   # the ISA a peer's kernel name says, or "" when it names none
    local k=${1,,}
    if [[ $k =~ avx512|avx-512|avx10|skylakex|cooperlake|sapphirerapids|skx|knl|cpx|clx|spr ]]; then echo avx512
    elif [[ $k =~ avx2|haswell|zen|hsw ]]; then echo avx2; fi
}
nthr=$(( $(nproc) >= 2 ? 2 : 1 ))
declare -A col=() widest=()
csv_columns() {   # the column indexes of a CSV's header, into col
    local header i
    IFS= read -r header <"$1"
    csv_split "$header"
    col=()
    for i in "${!F[@]}"; do col[${F[i]}]=$i; done
}
for cap in none avx2; do
    why=""
    bdir=$(mktemp -d)
    impl_args=()
    for i in $peer_impls; do impl_args+=(--impl "$i"); done
    if [[ $cap == avx2 ]]; then
        for i in $peer_impls; do
            CNB_MAX_ISA=avx2 $bin impls 2>/dev/null | grep -qE "^$i +.* runnable" || why+=" $i not runnable under the cap;"
        done
        if [[ " $peer_impls " == *" conv/onednn "* ]]; then
            CNB_MAX_ISA=avx2 $bin check --impl conv/onednn 'conv mb1ic16ih12oc16kh3ph1' >"$log" 2>&1 ||
                why+=" check --impl conv/onednn failed under the cap: $(tail -1 "$log");"
            # A library's code proves none of our ISAs: it never counts as exercising one.
            grep -qx 'isas exercised:' "$log" || why+=" check counts oneDNN as '$(grep 'isas exercised' "$log")';"
        fi
    fi
    capenv=()
    [[ $cap == avx2 ]] && capenv=(CNB_MAX_ISA=avx2)
    env "${capenv[@]}" $bin bench "${impl_args[@]}" --impl conv/ref \
        --threads $nthr --reps 1 --min-time 0.001 --out "$bdir/b.csv" \
        'conv mb1ic16ih12oc16kh3ph1' 'pool mb1ic16ih12kh2sh2' 'gemm m64n48k40' >"$log" 2>&1 ||
        why+=" bench exit $?;"
    grep -qx "peers built in: ${want_peers:-none}" "$log" || why+=" header: '$(grep '^peers built in' "$log")', want '${want_peers:-none}';"
    rows=0
    widest=()
    if [[ -f $bdir/b.csv ]]; then
        csv_columns "$bdir/b.csv"
        while IFS= read -r line; do
            csv_split "$line"
            impl=${F[col[impl]]} kernel=${F[col[kernel]]} isa=${F[col[isa]]}
            [[ ${F[col[peers]]} == "$want_peers" ]] || why+=" $impl: peers '${F[col[peers]]}';"
            [[ $impl =~ $is_ours ]] && continue
            rows=$((rows + 1))
            [[ $isa == avx512 || ${widest[$impl]:-} == avx512 ]] && widest[$impl]=avx512 || widest[$impl]=$isa
            # Under the cap a peer that cannot be held to AVX2 (XNNPACK), or that would repeat
            # another (onednn_avx2), declines with a reason; nothing else may skip.
            if [[ $cap == avx2 && ${F[col[validation]]} == SKIP && -n ${F[col[note]]} ]]; then
                rows=$((rows - 1))
                continue
            fi
            [[ ${F[col[validation]]} == PASS ]] || why+=" $impl: ${F[col[validation]]};"
            class=$(isa_class "$kernel")
            [[ -z $class || $class == "$isa" ]] || why+=" $impl ran '$kernel' but is tagged $isa;"
            # Under the cap nothing runs above AVX2 (XNNPACK's pooling is SSE code).
            [[ $cap == none || ($isa != avx512 && $class != avx512) ]] || why+=" $impl under the cap ran '$kernel' ($isa);"
            # (its own pthreads pool; the OpenMP variant runs on our pinned OpenMP workers)
            if [[ $impl == gemm/openblas && $nthr -eq 2 && $kernel == *"(pthreads"* ]]; then
                [[ $kernel =~ threads\ on\ cpus\ ([0-9]+),([0-9]+)\) && ${BASH_REMATCH[1]} != "${BASH_REMATCH[2]}" ]] ||
                    why+=" openblas threads not one per core: '$kernel';"
            fi
        done < <(tail -n +2 "$bdir/b.csv")
        # The per-network totals: a peer's isa (and so its peak) is the widest its rows ran.
        csv_columns "$bdir/b-networks.csv"
        while IFS= read -r line; do
            csv_split "$line"
            impl=${F[col[impl]]}
            [[ -n ${widest[$impl]:-} && ${F[col[isa]]} != "${widest[$impl]}" ]] &&
                why+=" networks CSV: $impl tagged ${F[col[isa]]}, its rows ran ${widest[$impl]};"
        done < <(tail -n +2 "$bdir/b-networks.csv")
    else
        why+=" no CSV;"
    fi
    rm -rf "$bdir"
    if [[ -z $why ]]; then
        ok "peers (cap $cap): '${want_peers:-none}' in the header and CSV as in impls; $rows peer rows tagged by what ran$([[ $cap == avx2 ]] && echo ', all AVX2-class')"
    else
        bad "peers (cap $cap):$why"
    fi
done

# The ratio to the peers of the same ISA: each of our rows names as best_peer_same_isa the fastest
# peer row of its layer and threads whose isa is its own, and the ratio is the quotient of the
# two medians; the per-network ratio is Σ ours / Σ that peer's per layer. Needs a peer.
if [[ -n $peer_impls ]]; then
    sdir=$(mktemp -d)
    impl_args=()
    for i in $peer_impls; do [[ $i == conv/* ]] && impl_args+=(--impl "$i"); done
    for i in conv/avx2_direct conv/avx512_direct; do
        $bin impls 2>/dev/null | grep -qE "^$i +.* runnable" && impl_args+=(--impl "$i")
    done
    why=""
    $bin bench "${impl_args[@]}" --threads 1 --reps 1 --min-time 0.001 --out "$sdir/s.csv" \
        'conv mb1ic16ih12oc32kh3ph1' 'conv mb1ic32ih7oc16kh1' >"$log" 2>&1 || why+=" bench exit $?;"
    checked=0
    if [[ -f $sdir/s.csv ]]; then
        csv_columns "$sdir/s.csv"
        declare -A med=() isa_of=()
        lines=()
        while IFS= read -r line; do
            csv_split "$line"
            lines+=("$line")
            [[ ${F[col[validation]]} == PASS ]] || continue   # a declined row has no speed
            key="${F[col[descriptor]]}|${F[col[impl]]}"
            med[$key]=${F[col[time_median_s]]} isa_of[$key]=${F[col[isa]]}
        done < <(tail -n +2 "$sdir/s.csv")
        for line in "${lines[@]}"; do
            csv_split "$line"
            impl=${F[col[impl]]} d=${F[col[descriptor]]} isa=${F[col[isa]]}
            [[ $impl =~ $is_ours ]] || continue
            best="" bt=""
            for key in "${!med[@]}"; do
                [[ ${key%%|*} == "$d" && ! ${key#*|} =~ $is_ours && ${isa_of[$key]} == "$isa" ]] || continue
                [[ -z $bt ]] || awk -v a="${med[$key]}" -v b="$bt" 'BEGIN{exit !(a < b)}' && { best=${key#*|}; bt=${med[$key]}; }
            done
            [[ ${F[col[best_peer_same_isa]]} == "$best" ]] ||
                why+=" $impl on '$d': best_peer_same_isa '${F[col[best_peer_same_isa]]}', want '$best';"
            if [[ -n $best ]]; then
                awk -v r="${F[col[ratio_to_best_peer_same_isa]]}" -v a="${F[col[time_median_s]]}" -v b="$bt" \
                    'BEGIN{q = a / b; exit !(r > q * 0.999 && r < q * 1.001)}' ||
                    why+=" $impl on '$d': ratio ${F[col[ratio_to_best_peer_same_isa]]}, want ${F[col[time_median_s]]}/$bt;"
                checked=$((checked + 1))
            fi
        done
    else
        why+=" no CSV: $(tail -1 "$log");"
    fi
    rm -rf "$sdir"
    if [[ -z $why ]]; then
        ok "peers: best_peer_same_isa is the fastest peer row of the row's own ISA, with its ratio ($checked rows)"
    else
        bad "peers: same-ISA ratio:$why"
    fi
fi

# The warning for a peer whose Debian package is installed but that the binary lacks: status.c
# built with no peer names each installed one, and built with all of them names none.
wdir=$(mktemp -d)
printf '#include "harness/peers/peers.h"\nint main(void) { return cnb_peers_warn_missing(stdout) < 0; }\n' >"$wdir/w.c"
installed=""
# In status.c's order; the PyPI ones are installed when .deps/pypi is (scripts/deps.sh --bench).
for p in libdnnl-dev pypi-sycl:onednn pypi:onednn-cpu-gomp pypi:mkl libopenblas-dev \
         pypi:scipy-openblas32 libblis-dev libxnnpack-dev libxsmm-dev; do
    if [[ $p == pypi*:* ]]; then
        [[ -f .deps/${p%%:*}/.pins ]] && installed+="${p#*:} "
    else
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' && installed+="$p "
    fi
done
why=""
if cc -std=c11 -D_GNU_SOURCE -I. "$wdir/w.c" harness/peers/status.c -o "$wdir/none" 2>"$log" &&
    cc -std=c11 -D_GNU_SOURCE -I. -DCNB_HAVE_DNNL=1 -DCNB_HAVE_OPENBLAS=1 -DCNB_HAVE_BLIS=1 \
        -DCNB_HAVE_DNNL3=1 -DCNB_HAVE_DNNL_SYCL=1 -DCNB_HAVE_MKL=1 -DCNB_HAVE_OPENBLAS_LATEST=1 \
        -DCNB_HAVE_XNNPACK=1 \
        -DCNB_HAVE_LIBXSMM=1 \
        "$wdir/w.c" harness/peers/status.c -o "$wdir/all" 2>>"$log"; then
    warned=$("$wdir/none" | grep -o '^warning: [a-z0-9-]* is installed' | cut -d' ' -f2 | tr '\n' ' ')
    [[ $warned == "$installed" ]] || why+=" without peers it warned about '$warned', want '$installed';"
    [[ -z $("$wdir/all") ]] || why+=" with every peer it still warned: $("$wdir/all" | head -1);"
else
    why=" cannot build harness/peers/status.c alone: $(head -1 "$log")"
fi
rm -rf "$wdir"
if [[ -z $why ]]; then
    installed=${installed% }
    ok "peers: a binary without them warns about each installed peer package (${installed:-none installed})"
else
    bad "peers: the missing-peer warning:$why"
fi

# 9. Interrupted runs, memory, output: a problem too large for the memory is refused before any
#    allocation; thread counts outside 1..cores; --out on a read-only folder, on a full disk
#    (/dev/full, which must stay a device) and on a folder.
huge='conv ic1024ih159oc1024oh120kh40'   # at --mb 64: 25.7 GiB of buffers, over the machines' 24
avail_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
if [[ -n $avail_kib ]] && ((avail_kib < 25 * 1024 * 1024)); then   # else it would really run
    expect_bad "check, problem larger than the memory" $bin check --mb 64 --impl conv/ref "$huge"
    grep -q 'needs [0-9.]* GiB of memory, [0-9.]* GiB available' "$log.err" || bad "memory refusal without both numbers: $(cat "$log.err")"
    expect_bad "bench, problem larger than the memory" $bin bench --mb 64 --impl conv/ref --out - "$huge"
    grep -q 'needs [0-9.]* GiB of memory, [0-9.]* GiB available' "$log.err" || bad "memory refusal without both numbers: $(cat "$log.err")"
else
    echo "skip memory refusal: ${avail_kib:-unknown} KiB available, more than the huge problem needs"
fi
expect_bad "bench, 0 threads" $bin bench --threads 0 --out - 'conv mb1ic8ih8oc8kh3'
expect_bad "bench, more threads than cores" $bin bench --threads $(($(nproc) + 1)) --out - 'conv mb1ic8ih8oc8kh3'
small=(--impl conv/ref --threads 1 --reps 1 --min-time 0.001)
odir=$(mktemp -d)
mkdir "$odir/ro" && chmod 555 "$odir/ro"
as_user=() ro_bin=$bin ro_env=()   # root writes anywhere: the read-only folder is read-only for nobody
if [[ $EUID -eq 0 ]]; then
    # nobody may not reach the checkout (a clone under a mktemp folder is root's alone): it runs a
    # copy of the binary and of the layer tables, so that the refusal is the output's, not theirs.
    chmod 755 "$odir" && as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    cp "$bin" "$odir/cnnbench" && cp -r harness/shapes "$odir/shapes" && chmod -R a+rX "$odir/cnnbench" "$odir/shapes"
    ro_bin=$odir/cnnbench ro_env=(env CNB_SHAPES="$odir/shapes")
fi
expect_bad "bench, --out in a read-only folder" "${as_user[@]}" "${ro_env[@]}" "$ro_bin" bench "${small[@]}" --out "$odir/ro/x.csv" 'conv mb1ic8ih8oc8kh3'
[[ $(cat "$log.err") == "cnnbench: cannot write $odir/ro/x.csv: Permission denied" ]] ||
    bad "bench, --out in a read-only folder: the message is not the output's: $(cat "$log.err")"
[[ -z $(ls -A "$odir/ro") ]] || bad "bench left files in the read-only folder: $(ls -A "$odir/ro")"
expect_bad "bench, --out a folder" $bin bench "${small[@]}" --out "$odir" 'conv mb1ic8ih8oc8kh3'
$bin bench "${small[@]}" --out /dev/full 'conv mb1ic8ih8oc8kh3' >"$log" 2>"$log.err"
rc=$?
if [[ $rc -ne 0 && $(tail -1 "$log.err") == "cnnbench: cannot write /dev/full: No space left on device" && -c /dev/full ]] &&
   ! ls /dev/full?* >/dev/null 2>&1; then
    ok "bench, --out /dev/full: status $rc, $(tail -1 "$log.err")"
else
    bad "bench, --out /dev/full: status $rc, $(tail -1 "$log.err"); /dev/full: $(ls -l /dev/full* | tr '\n' ' ')"
fi
rm -rf "$odir"

# Interrupted: SIGINT once two rows are done leaves no CSV under the final name and a partial
# file with the finished rows; --resume completes the run without re-timing them (their times
# are the partial's), and the CSV has every row exactly once. Piped into head: no .tmp litter.
idir=$(mktemp -d)
iargs=(--impl conv/scalar_im2col --impl conv/ref --threads 1 --reps 1 --min-time 0.2 --out "$idir/b.csv"
       'conv mb1ic16ih12oc16kh3ph1' 'conv mb1ic8ih8oc8kh3' 'conv mb1ic8ih10oc8kh3')
$bin bench "${iargs[@]}" >"$log" 2>"$log.err" &
pid=$!
for _ in $(seq 300); do grep -q '^\[2/6' "$log.err" && break; sleep 0.1; done
kill -INT $pid
wait $pid
rc=$?
why=""
[[ $rc -eq 130 ]] || why+=" status $rc (want 130);"
[[ -e $idir/b.csv || -n $(ls "$idir" | grep '\.tmp$') ]] && why+=" a CSV or .tmp file after the interrupt: $(ls "$idir");"
k=$(grep -c '^row' "$idir/b.partial" 2>/dev/null)
[[ ${k:-0} -ge 2 && ${k:-0} -lt 6 ]] || why+=" partial with ${k:-no} rows (want 2..5);"
grep -q "finish with: cnnbench bench --resume $idir/b.partial" "$log.err" || why+=" no resume hint;"
declare -A saved=()   # impl/layer-index/threads -> median, as %g of the partial's hex float
while IFS=$'\t' read -r tag impl u t _ _ _ _ _ _ _ _ _ _ med _; do
    [[ $tag == row ]] && saved[$impl/$u/$t]=$(printf '%.6g' "$med")
done <"$idir/b.partial"
# A partial file cut short in its last row is refused, and left as it was.
head -c -20 "$idir/b.partial" >"$idir/cut.partial"
expect_bad "bench --resume, a truncated partial file" $bin bench --resume "$idir/cut.partial"
[[ -f $idir/cut.partial ]] || bad "the truncated partial file was removed"
if $bin bench --resume "$idir/b.partial" >"$log" 2>"$log.err" && [[ -f $idir/b.csv ]]; then
    [[ -e $idir/b.partial ]] && why+=" partial left after the resume;"
    grep -q "$k done before the interruption" "$log" || why+=" resume does not count $k rows done;"
    IFS= read -r header <"$idir/b.csv"
    csv_split "$header"
    declare -A icol=()
    for i in "${!F[@]}"; do icol[${F[i]}]=$i; done
    declare -A seen=()
    u=-1 prev=""
    while IFS= read -r line; do
        csv_split "$line"
        d=${F[icol[descriptor]]}
        [[ $d != "$prev" ]] && u=$((u + 1)) prev=$d
        key=${F[icol[impl]]}/$u/${F[icol[threads]]}
        seen[$key]=$((${seen[$key]:-0} + 1))
        [[ -n ${saved[$key]:-} && ${saved[$key]} != "$(printf '%.6g' "${F[icol[time_median_s]]}")" ]] &&
            why+=" $key re-timed (${saved[$key]} then ${F[icol[time_median_s]]});"
    done < <(tail -n +2 "$idir/b.csv")
    [[ ${#seen[@]} -eq 6 ]] || why+=" ${#seen[@]} distinct rows (want 6);"
    for key in "${!seen[@]}"; do [[ ${seen[$key]} -eq 1 ]] || why+=" $key ${seen[$key]} times;"; done
else
    why+=" --resume failed: $(tail -1 "$log.err");"
fi
if [[ -z $why ]]; then
    ok "bench interrupted after $k of 6 rows: no final CSV, the partial resumed to 6 rows, the $k not re-timed"
else
    bad "bench interrupt/resume:$why"
fi
rm -f "$idir"/*
# (the reader closes the pipe at once: bench's first flush, before any row, meets SIGPIPE)
$bin bench --impl conv/ref --threads 1 --reps 1 --min-time 0.001 --out "$idir/p.csv" 'conv mb1ic8ih8oc8kh3' \
    2>"$log.err" | { exec 0<&-; sleep 1; }
if [[ ${PIPESTATUS[0]} -eq 141 && -z $(ls "$idir") ]]; then ok "bench killed by SIGPIPE: no file left behind"
else bad "bench into a closed pipe: status ${PIPESTATUS[0]}, left: $(ls "$idir" | tr '\n' ' ')"; fi
expect_bad "bench --resume, not a partial file" $bin bench --resume tests/arm_shapes.txt
rm -rf "$idir"

# 10. Sanitizers and fuzzing: the unit tests and the reduced network check under ASan + UBSan, the
#    threaded drivers under TSan; every fuzz target's regression inputs and seeds, then 5 s of
#    fuzzing each. `make sanitize` and `make fuzz` run the same at length.
wait "$prebuild"; prebuild=""
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
    ok "fuzzing: regression inputs pass; $(grep -c 'no finding' "$log") targets 20,000 seeded runs each without a finding ($((SECONDS - t0)) s)"
else
    bad "fuzzing (status $rc)"; head -20 "$log"
fi

# 11. aarch64 under qemu (started in step 0).
if [[ -n $arm_run ]]; then
    wait "$arm_run"
    rc=$?
    arm_run=""
    grep -v '^arm: [0-9]' "$arm_log"
    arm_isas=$(grep -o 'check on .*isas exercised: [a-z0-9_ ]*' "$arm_log" | sed 's/.*isas exercised: *//')
    line=$(grep '^arm: [0-9]* passed' "$arm_log" | tail -1)
    if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
        pass=$((pass + BASH_REMATCH[1])); fail=$((fail + BASH_REMATCH[2]))
        echo "arm: ${line#arm: } ($((SECONDS - arm_t0)) s from the start, build included, beside steps 1-10)"
    else
        bad "arm: the aarch64 check did not finish (status $rc)"
    fi
fi

echo "isas exercised: native (${want% }): ${native_isas:-none}${arm_isas:+; aarch64 under qemu: $arm_isas}"
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]

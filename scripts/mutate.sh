#!/usr/bin/env bash
# make mutate: a mutation pass over the x86 kernels. Each mutant (a flipped comparison, a literal
# ±1, a dropped statement or loop) is applied to a SCRATCH copy of the tree, never to the
# worktree, built incrementally from a copy of the already-built build/ (only the mutated
# object recompiles, then the relink), and run against the fast tests: a reduced network check
# (tests/arm_shapes.txt) and the unit and edge tests (build/cnnbench-tests), stopping at the
# first failure. It lists the mutants that survive and prints killed/total and the kill rate.
#
# Knobs (printed at the start): MUTATE_COUNT (mutants, default 200), MUTATE_SEED (selection,
# default 1), MUTATE_FILES (files to mutate), MUTATE_TIMEOUT (seconds per test stage, default
# 300: a mutant that hangs counts as killed by timeout), MUTATE_JOBS (scratch trees run side by
# side, default 1), MUTATE_LOG (results, default build/mutate/results.txt), MUTATE_RERUN (a results
# file: run again only its survivors, e.g. after adding tests), MUTATE_RESUME=1 (keep MUTATE_LOG
# and skip the mutants it already holds: a pass stopped early goes on where it was).
# NEON files are not mutated: the x86 run cannot execute them.
# Mutants are built with the project's flags (-Werror: a mutant GCC proves to be undefined
# behaviour, e.g. an array overrun, is caught there, and is discarded as not compiling), plus
# -g0, which changes no code and saves time on the large conv files (objects are compared
# without their debug info). A mutant that does not compile is discarded. A mutant whose object code is identical to the
# original's (debug info aside) cannot change any output and is counted as equivalent, as are
# the mutants listed with a reason in tests/mutants-equivalent.txt.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
COUNT=${MUTATE_COUNT:-200}
SEED=${MUTATE_SEED:-1}
TIMEOUT=${MUTATE_TIMEOUT:-300}
JOBS=${MUTATE_JOBS:-1}
FILES=${MUTATE_FILES:-"kernels/conv/avx2.c kernels/conv/avx512.c kernels/conv/driver.c kernels/conv/scalar.c
  kernels/gemm/avx2.c kernels/gemm/avx512.c kernels/gemm/driver.c kernels/gemm/scalar.c
  kernels/pool/avx2.c kernels/pool/avx512.c kernels/pool/driver.c kernels/pool/scalar.c kernels/clip.h"}
LOG=${MUTATE_LOG:-$BUILD/mutate/results.txt}
RERUN=${MUTATE_RERUN:-}
RESUME=${MUTATE_RESUME:-}
EQUIV=tests/mutants-equivalent.txt

die() { echo "mutate: $*" >&2; exit 2; }
[[ $COUNT =~ ^[0-9]+$ && $COUNT -ge 1 ]] || die "MUTATE_COUNT must be a positive integer, not '$COUNT'"
[[ $SEED =~ ^[0-9]+$ ]] || die "MUTATE_SEED must be a non-negative integer, not '$SEED'"
[[ $TIMEOUT =~ ^[0-9]+$ && $TIMEOUT -ge 1 ]] || die "MUTATE_TIMEOUT must be a positive integer, not '$TIMEOUT'"
[[ $JOBS =~ ^[0-9]+$ && $JOBS -ge 1 ]] || die "MUTATE_JOBS must be a positive integer, not '$JOBS'"
[[ -z $RERUN || -f $RERUN ]] || die "MUTATE_RERUN: no such results file '$RERUN'"
for f in $FILES; do
    [[ -f $f ]] || die "MUTATE_FILES: no such file '$f'"
    [[ $f == *neon* ]] && die "MUTATE_FILES: '$f' is NEON code, which the x86 run cannot execute"
done
[[ -x $BUILD/cnnbench && -x $BUILD/cnnbench-tests ]] || die "$BUILD/ is not built: run make all first"
make -q all BUILD="$BUILD" 2>/dev/null || die "$BUILD/ is not up to date with the sources: run make all first"

# ---- 4. Summary: per op and ISA, the survivors, the kill rate over the mutants that count
# (compiled and not equivalent).
# The equivalent mutants recorded by hand in tests/mutants-equivalent.txt, one a line:
#   file <TAB> n <TAB> col <TAB> kind <TAB> change <TAB> line text <TAB> reason
# where n counts the lines of the file with the same text up to this one (1: the first), so
# that an entry survives edits elsewhere in the file and tells apart two identical lines.
equiv_key() { # file line col kind desc text
    local n; n=$(awk -v l="$2" -v t="$6" 'NR <= l { s = $0; sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); n += s == t } END { print n }' "$1")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t' "$1" "$n" "$3" "$4" "$5" "$6"
}
is_listed() { [[ -f $EQUIV ]] && grep -qF "$(equiv_key "$@")" "$EQUIV"; }

summary() { # results file
echo "mutate: results in $1"
local line res; res=$(mktemp)
while IFS= read -r line; do
    IFS=$'\t' read -r st _ _ _ _ desc text file l col _ _ kind <<< "$line"
    if [[ $st == SURVIVED ]] && is_listed "$file" "$l" "$col" "$kind" "$desc" "$text"; then
        echo "EQUIVALENT(listed)${line#SURVIVED}"
    else
        echo "$line"
    fi
done < "$1" > "$res"
awk -F'\t' '
    { key = $2 "/" $3; keys[key] = 1
      if ($1 == "KILLED(tiles)") T++
      if ($1 ~ /^KILLED/) { k[key]++; K++ } else if ($1 == "SURVIVED") { s[key]++; S++ }
      else if ($1 == "NOCOMPILE") { d[key]++; D++ } else { e[key]++; E++ }
      g[key]++; G++ }
    END {
      printf "%-18s %9s %9s %7s %9s %11s\n", "op/file", "generated", "discarded", "killed", "survived", "equivalent"
      for (x in keys) printf "%-18s %9d %9d %7d %9d %11d\n", x, g[x], d[x], k[x], s[x], e[x] | "sort"
      close("sort")
      printf "%-18s %9d %9d %7d %9d %11d\n", "total", G, D, K, S, E
      t = K + S
      printf "mutate: killed %d/%d (kill rate %.1f %%); %d discarded (no compile), %d equivalent\n", K, t, t ? 100 * K / t : 0, D, E
      printf "mutate: without tests/test_tiles.c: killed %d/%d (kill rate %.1f %%)\n", K - T, t, t ? 100 * (K - T) / t : 0
    }' "$res"
echo "mutate: killed by timeout: $(grep -c '^KILLED(timeout' "$res")"
echo "mutate: survivors:"
awk -F'\t' '$1 == "SURVIVED" { printf "  %s  %s %s   | %s\n", $4, $5, $6, $7 }' "$res"
rm -f "$res"
}
if [[ -n ${MUTATE_SUMMARY:-} ]]; then
    [[ -f $MUTATE_SUMMARY ]] || die "MUTATE_SUMMARY: no such results file '$MUTATE_SUMMARY'"
    summary "$MUTATE_SUMMARY"; exit 0
fi

echo "mutate: MUTATE_COUNT=$COUNT MUTATE_SEED=$SEED MUTATE_TIMEOUT=$TIMEOUT MUTATE_JOBS=$JOBS"
echo "mutate: MUTATE_FILES=$(echo $FILES)"
[[ -n $RERUN ]] && echo "mutate: MUTATE_RERUN=$RERUN (only its survivors)"
T0=$(date +%s)
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/cnb-mutate.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$(dirname "$LOG")"

# ---- 1. Candidates: one per (file, line, column, replacement), from the code outside comments
# and strings. Fields: file line col len replacement kind.
gen() {
    awk -v file="$1" '
    function add(col, len, repl, kind) { printf "%s\t%d\t%d\t%d\t%s\t%s\n", file, NR, col, len, repl, kind }
    {
        line = $0; code = ""; n = length(line); i = 1
        # blank out comments and string literals, keeping the columns
        while (i <= n) {
            c = substr(line, i, 1); c2 = substr(line, i, 2)
            if (incom) { if (c2 == "*/") { incom = 0; code = code "  "; i += 2 } else { code = code " "; i++ } continue }
            if (c2 == "/*") { incom = 1; code = code "  "; i += 2; continue }
            if (c2 == "//") { while (i <= n) { code = code " "; i++ } continue }
            if (c == "\"" || c == "\x27") {
                q = c; code = code " "; i++
                while (i <= n && substr(line, i, 1) != q) { if (substr(line, i, 1) == "\\") { code = code " "; i++ } code = code " "; i++ }
                code = code " "; i++; continue
            }
            code = code c; i++
        }
        t = code; sub(/^[ \t]+/, "", t); sub(/[ \t]+$/, "", t)
        if (t == "" || substr(t, 1, 1) == "#") next
        # comparisons and logic
        for (i = 1; i <= n; i++) {
            c2 = substr(code, i, 2); c = substr(code, i, 1); p = substr(code, i - 1, 1); q = substr(code, i + 1, 1)
            if (c2 == "<=" && p != "<") { add(i, 2, "<", "cmp"); i++; continue }
            if (c2 == ">=" && p != ">") { add(i, 2, ">", "cmp"); i++; continue }
            if (c2 == "==") { add(i, 2, "!=", "cmp"); i++; continue }
            if (c2 == "!=") { add(i, 2, "==", "cmp"); i++; continue }
            if (c2 == "&&") { add(i, 2, "||", "logic"); i++; continue }
            if (c2 == "||") { add(i, 2, "&&", "logic"); i++; continue }
            if (c2 == "<<" || c2 == ">>" || c2 == "->") { i++; continue }
            if (c == "<" && p != "<") { add(i, 1, "<=", "cmp"); continue }
            if (c == ">" && p != ">" && p != "-") { add(i, 1, ">=", "cmp"); continue }
        }
        # integer literals ± 1 (bounds, tail counts, masks, shifts)
        s = code; off = 0
        while (match(s, /[0-9]+[uUlL]*/)) {
            st = off + RSTART; len = RLENGTH
            before = substr(code, st - 1, 1); after = substr(code, st + len, 1)
            num = substr(code, st, len); digits = num; sub(/[uUlL]+$/, "", digits); suf = substr(num, length(digits) + 1)
            if (before !~ /[A-Za-z0-9_.]/ && after !~ /[A-Za-z0-9_.]/ && digits !~ /^0[0-9xX]/) {
                add(st, len, (digits + 1) suf, "lit+1")
                if (digits + 0 > 0) add(st, len, (digits - 1) suf, "lit-1")
            }
            off = st + len - 1; s = substr(code, off + 1)
        }
        # dropped statements and loops
        lead = match(code, /[^ \t]/)
        if (t ~ /^(for|while) *\(/) add(lead, 0, "for (; 0;) ", "drop-loop")
        else if (t ~ /;$/ && t !~ /^(const|static|int|unsigned|float|double|char|void|long|size_t|ptrdiff_t|int64_t|uint64_t|__m|__mmask|typedef|struct|enum|return|case|default|cnb_|[}])/ && t !~ /^[A-Za-z_][A-Za-z_0-9]* \*?[A-Za-z_]/)
            add(lead, length(code) - lead + 1, ";", "drop-stmt")
    }' "$1"
}
{ for f in $FILES; do gen "$f"; done; } > "$SCRATCH/candidates"
TOTAL_CAND=$(wc -l < "$SCRATCH/candidates")

# ---- 2. Deterministic choice: shuffle each file's candidates by the seed, then deal them
# round-robin over the files, so that every op and ISA gets its share (and keep that order, so
# that a pass stopped early is still spread over them).
if [[ -n $RERUN ]]; then
    # the line may have moved since (an edit above it): find the same text nearest its old place
    awk -F'\t' '$1 == "SURVIVED"' "$RERUN" | while IFS=$'\t' read -r _ _ _ _ _ _ text file line col len repl kind; do
        at=$(awk -v t="$text" -v l="$line" '{ s = $0; sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s)
              d = NR - l; if (d < 0) d = -d; if (s == t && (best == "" || d < bd)) { best = NR; bd = d } }
              END { print best }' "$file")
        [[ -n $at ]] || { echo "mutate: $file:$line: line no longer found, skipped: $text" >&2; continue; }
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$file" "$at" "$col" "$len" "$repl" "$kind"
    done > "$SCRATCH/chosen"
else
awk -v seed="$SEED" 'BEGIN { srand(seed) } { printf "%.9f\t%s\n", rand(), $0 }' "$SCRATCH/candidates" |
    sort -t$'\t' -k2,2 -k1,1 |
    awk -F'\t' '{ r = rank[$2]++; printf "%06d\t%s\n", r, $0 }' |
    sort -t$'\t' -k1,1n -k3,3 -s | cut -f3- | head -n "$COUNT" > "$SCRATCH/chosen"
fi
if [[ -n $RESUME && -f $LOG ]]; then
    awk -F'\t' 'NR == FNR { done[$8 FS $9 FS $10 FS $11 FS $12 FS $13] = 1; next } !($0 in done)' \
        "$LOG" "$SCRATCH/chosen" > "$SCRATCH/left"
    echo "mutate: MUTATE_RESUME: $(( $(wc -l < "$SCRATCH/chosen") - $(wc -l < "$SCRATCH/left") )) already in $LOG"
    mv "$SCRATCH/left" "$SCRATCH/chosen"
fi
N=$(wc -l < "$SCRATCH/chosen")
echo "mutate: $TOTAL_CAND candidate mutations in $(echo $FILES | wc -w) files; $N chosen"

# ---- 3. Scratch trees: a pristine copy P (sources + built build/, mtimes kept) and one working
# copy per job. A mutant touches only its working copy, which is restored from P afterwards.
mkdir -p "$SCRATCH/P"
tar -C "$ROOT" --exclude=./.git --exclude="./$BUILD/mutate" -cf - . | tar -C "$SCRATCH/P" -xf -
for j in $(seq 1 "$JOBS"); do cp -a "$SCRATCH/P" "$SCRATCH/W$j"; done
make -q --no-print-directory -C "$SCRATCH/W1" all BUILD="$BUILD" 2>/dev/null || die "the scratch copy of $BUILD/ is not up to date (mtimes lost?)"


# Stage commands, each under the timeout, stopping at the first failure line.
stage() { # dir cmd...: 0 pass, 1 fail, 2 timeout
    local dir=$1; shift
    ( cd "$dir" && nice timeout -k 10 "$TIMEOUT" stdbuf -oL "$@" > "$dir/.stage.out" 2>&1 ); local rc=$?
    [[ $rc -eq 124 || $rc -eq 137 ]] && return 2
    [[ $rc -ne 0 ]] && return 1
    grep -q '^ *FAIL' "$dir/.stage.out" && return 1
    return 0
}

run_one() { # job file line col len repl kind
    local W=$SCRATCH/W$1 file=$2 line=$3 col=$4 len=$5 repl=$6 kind=$7
    local orig from desc status op
    orig=$(sed -n "${line}p" "$W/$file")
    from=${orig:$((col - 1)):$len}
    desc="'$from' -> '$repl'"
    [[ $kind == drop-* ]] && desc="$kind"
    local text; text=$(echo "$orig" | sed 's/^[ \t]*//; s/[ \t]*$//')
    op=$(echo "$file" | sed -n 's#kernels/\([a-z]*\)/.*#\1#p'); [[ -z $op ]] && op=shared
    local isa; isa=$(basename "$file" .c); [[ $file == kernels/clip.h ]] && isa=driver
    if is_listed "$file" "$line" "$col" "$kind" "$desc" "$text"; then
        status="EQUIVALENT(listed)"
    else
        touch "$W/.stamp"
        awk -v L="$line" -v C="$col" -v N="$len" -v R="$repl" \
            'NR == L { $0 = substr($0, 1, C - 1) R substr($0, C + N) } { print }' \
            "$W/$file" > "$W/.mut" && cat "$W/.mut" > "$W/$file"
        if ! nice make --no-print-directory -C "$W" -s all BUILD="$BUILD" EXTRA_CFLAGS=-g0 > "$W/.build.out" 2>&1; then
            status=NOCOMPILE
        else
            # identical machine code: the mutant cannot change any output
            local same=1 o
            while read -r o; do
                objcopy --strip-debug "$W/$o" "$W/.a.o" 2>/dev/null
                objcopy --strip-debug "$SCRATCH/P/$o" "$W/.b.o" 2>/dev/null
                cmp -s "$W/.a.o" "$W/.b.o" || { same=0; break; }
            done < <(cd "$W" && find "$BUILD" -name '*.o' -newer .stamp)
            if [[ $same -eq 1 ]]; then
                status="EQUIVALENT(same code)"
            else
                local impls; impls=$(cd "$W" && "$BUILD/cnnbench" impls 2>/dev/null | awk -v op="$op" '$2 == op && $1 !~ /ref|onednn|openblas|blis|xnnpack|libxsmm/ {printf "%s%s", s, $1; s=","}')
                status=SURVIVED
                local r
                # stages, cheapest first; "tiles" (tests/test_tiles.c) last, so that the results
                # also tell the kill rate without it (KILLED(tiles): only the tile tests kill it)
                for st in check edges tests tiles; do
                    case $st in
                    check) if [[ $op == shared || -z $impls ]]; then stage "$W" "$BUILD/cnnbench" check --shapes tests/arm_shapes.txt
                           else stage "$W" "$BUILD/cnnbench" check --shapes tests/arm_shapes.txt --impl "$impls"; fi ;;
                    edges) stage "$W" "$BUILD/cnnbench-tests" "edges_${op/shared/}" ;;
                    tests) local r=0 t
                           for t in desc fill guard dispatch validator golden edges; do
                               stage "$W" "$BUILD/cnnbench-tests" "test_$t"; r=$?; [[ $r -ne 0 ]] && break
                           done
                           (exit $r) ;;
                    tiles) stage "$W" "$BUILD/cnnbench-tests" tiles ;;
                    esac
                    r=$?
                    [[ $r -eq 1 ]] && { status="KILLED($st)"; break; }
                    [[ $r -eq 2 ]] && { status="KILLED(timeout in $st)"; break; }
                done
            fi
        fi
        # restore the working copy from the pristine one
        (cd "$W" && find . -newer .stamp -type f ! -name '.*' -print0) |
            while IFS= read -r -d '' g; do
                if [[ -e $SCRATCH/P/$g ]]; then cp -a "$SCRATCH/P/$g" "$W/$g"; else rm -f "$W/$g"; fi
            done
    fi
    printf '%s\t%s\t%s\t%s:%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$status" "$op" "$isa" "$file" "$line" "$kind" "$desc" "$text" \
        "$file" "$line" "$col" "$len" "$repl" "$kind"
}

job() { # j: every JOBS-th chosen mutant
    local j=$1 k=0
    while IFS=$'\t' read -r file line col len repl kind; do
        k=$((k + 1))
        [[ $(( (k - 1) % JOBS + 1 )) -eq $j ]] || continue
        run_one "$j" "$file" "$line" "$col" "$len" "$repl" "$kind" | tee -a "$LOG" |
            awk -F'\t' -v k="$k" -v n="$N" '{ printf "[%d/%d] %-24s %s %s %s\n", k, n, $1, $4, $6, $5 }'
    done < "$SCRATCH/chosen"
}
[[ -n $RESUME ]] || : > "$LOG"
for j in $(seq 1 "$JOBS"); do job "$j" & done
wait
echo
summary "$LOG"
echo "mutate: took $(( $(date +%s) - T0 )) s"


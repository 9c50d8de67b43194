#!/usr/bin/env bash
# Installs the Debian packages cnnbench needs, and only those that are missing; then checks that
# each tool does its job (a package can be installed and still not work: the cross compiler
# without the target's C library, say). Idempotent, and quick when everything is present.
# As root it runs apt-get itself; otherwise it prints the command to run and stops.
#   scripts/deps.sh            build + test packages (a pristine Debian 12 root needs all of them)
#   scripts/deps.sh --bench    also the peer libraries and gnuplot (make bench), and the current
#                              builds of oneDNN, MKL and OpenBLAS from PyPI into .deps/pypi
# A failed check prints one line naming what does not work and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

bench=0
case "${1:-}" in
    "") ;;
    --bench) bench=1 ;;
    *) echo "deps.sh: unknown option '$1' (the only one is --bench)" >&2; exit 2 ;;
esac

# Every package named: Recommends are not installed (--no-install-recommends below), so whatever
# a tool needs only through a Recommends is listed here (gcc-aarch64-linux-gnu merely recommends
# the aarch64 C library, libc6-dev-arm64-cross).
pkgs=(build-essential g++ pkg-config          # gcc, g++ (the Google Benchmark wrapper), make
      libbenchmark-dev libhwloc-dev hwloc-nox libxxhash-dev
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static   # the aarch64 check
      clang libclang-rt-14-dev libomp-14-dev) # sanitizers, libFuzzer, TSan with clang's OpenMP
if ((bench)); then
    pkgs+=(libdnnl-dev libopenblas-dev libblis-dev libxnnpack-dev libpthreadpool-dev libxsmm-dev
          gnuplot-nox python3-pip)
fi
# hwloc (with X) and hwloc-nox conflict: either one gives us the tools.
missing=()
for p in "${pkgs[@]}"; do
    if [[ "$p" == hwloc-nox ]] && dpkg-query -W -f='${Status}' hwloc 2>/dev/null | grep -q 'ok installed'; then
        continue
    fi
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done

if [[ ${#missing[@]} -gt 0 ]]; then
    cmd="apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends ${missing[*]}"
    if [[ $(id -u) -ne 0 ]]; then
        echo "cnnbench: missing Debian packages: ${missing[*]}" >&2
        echo "cnnbench: run as root:  apt-get update && $cmd" >&2
        exit 1
    fi
    echo "cnnbench: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
    $cmd -q >/dev/null
fi

# ---- Each tool by what it must do ------------------------------------------------------------
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "cnnbench: $1" >&2
    exit 1
}

need() { command -v "$1" >/dev/null || fail "$1 is not on PATH (package $2)"; }
need gcc build-essential
need g++ g++
need make build-essential
need pkg-config pkg-config
need hwloc-ls hwloc-nox
for pc in benchmark hwloc libxxhash; do
    pkg-config --exists "$pc" || fail "pkg-config does not know '$pc' (its -dev package is broken)"
done

# The aarch64 check (scripts/arm.sh): a static OpenMP program with the C library, run by qemu.
cat >"$tmp/arm.c" <<'EOF'
#include <omp.h>
#include <stdio.h>
int main(void)
{
    int n = 0;
#pragma omp parallel reduction(+ : n)
    n += 1;
    printf("aarch64 ok %d\n", n > 0);
    return 0;
}
EOF
aarch64-linux-gnu-gcc -std=c11 -O1 -static -fopenmp "$tmp/arm.c" -o "$tmp/arm" 2>"$tmp/log" ||
    fail "aarch64-linux-gnu-gcc cannot compile and link -static -fopenmp a C file with <stdio.h> (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross): $(head -1 "$tmp/log")"
[[ $(OMP_NUM_THREADS=2 qemu-aarch64-static -cpu max "$tmp/arm" 2>&1) == "aarch64 ok 1" ]] ||
    fail "qemu-aarch64-static -cpu max cannot run a static aarch64 program (qemu-user-static)"

# The sanitizer and fuzzing passes: clang links libFuzzer, ASan and UBSan; TSan runs use clang's
# own OpenMP runtime (libomp), whose header and library must be found.
cat >"$tmp/fuzz.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return size > 0 && data[0] == 0xff ? 0 : 0;
}
EOF
clang -fsanitize=fuzzer,address,undefined "$tmp/fuzz.c" -o "$tmp/fuzz" 2>"$tmp/log" ||
    fail "clang cannot link -fsanitize=fuzzer,address,undefined (clang, libclang-rt-14-dev): $(head -1 "$tmp/log")"
"$tmp/fuzz" -runs=10 >/dev/null 2>&1 || fail "a clang libFuzzer target does not run"
clang -fopenmp=libomp -fsanitize=thread "$tmp/arm.c" -o "$tmp/tsan" 2>"$tmp/log" ||
    fail "clang cannot link -fopenmp=libomp -fsanitize=thread (libomp-14-dev, libclang-rt-14-dev): $(head -1 "$tmp/log")"

if ((bench)); then
    need gnuplot gnuplot-nox
    # The current builds Intel and the SciPy project publish on PyPI, at pinned versions, into
    # project-local prefixes (never system-wide; mk/peers.mk finds them there). Debian 12's
    # oneDNN (2.6), OpenBLAS (0.3.21) and BLIS (0.9) stay as peers beside them.
    #   .deps/pypi       onednn-cpu-gomp  the newest oneDNN built for GNU OpenMP, our own runtime
    #                    onednn-devel     oneDNN's C headers (the C ABI is stable across 3.x)
    #                    mkl, mkl-include MKL with its GNU OpenMP threading layer
    #                    scipy-openblas32 the current OpenBLAS, its symbols prefixed with scipy_
    #   .deps/pypi-sycl  onednn           the newest oneDNN, a SYCL build threaded by TBB, with
    #                                     the runtimes it needs (about 2 GB)
    pypi_install() { # prefix, pins...
        local prefix=$1
        shift
        [[ "$(cat "$prefix/.pins" 2>/dev/null)" == "$*" ]] && return 0
        need python3 python3-pip
        echo "cnnbench: installing $* into $prefix (pip)" >&2
        rm -rf "$prefix" "$prefix.tmp"
        # --prefix keeps everything in the project; PEP 668 guards the system's site-packages,
        # which this never touches. --no-deps: every package is named and pinned here.
        PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install -q --no-deps --disable-pip-version-check \
            --no-warn-script-location --prefix "$prefix.tmp" "$@" >"$tmp/log" 2>&1 ||
            fail "pip could not install into $prefix: $(grep -m1 -i error "$tmp/log" || tail -1 "$tmp/log")"
        # Debian's own Python installs a --prefix under <prefix>/local (its posix_local scheme),
        # with dist-packages for site-packages: one layout for every Python.
        if [[ -d $prefix.tmp/local ]]; then
            cp -a "$prefix.tmp/local/." "$prefix.tmp/" && rm -rf "$prefix.tmp/local"
        fi
        mv "$prefix.tmp" "$prefix"
        echo "$*" >"$prefix/.pins"
    }
    pypi_install .deps/pypi onednn-cpu-gomp==2023.2.0 onednn-devel==2024.2.1 mkl==2026.2.0 \
        mkl-include==2026.2.0 scipy-openblas32==0.3.34.481.3
    pypi_install .deps/pypi-sycl onednn==2026.1.0 dpcpp-cpp-rt==2026.2.0 intel-sycl-rt==2026.2.0 \
        intel-opencl-rt==2026.2.0 intel-openmp==2026.2.0 intel-cmplr-lib-rt==2026.2.0 \
        intel-cmplr-lib-ur==2026.2.0 intel-cmplr-lic-rt==2026.2.0 tbb==2023.2.0 tcmlib==1.6.0 \
        umf==1.2.0
    # The OpenCL loaders find Intel's CPU runtime through this folder (harness/peers/onednn3.c).
    if [[ ! -f .deps/pypi-sycl/cnnbench-icd/intel-cpu.icd ]]; then
        mkdir -p .deps/pypi-sycl/cnnbench-icd
        echo "$PWD/.deps/pypi-sycl/lib/libintelocl.so" >.deps/pypi-sycl/cnnbench-icd/intel-cpu.icd
    fi
    found=" $(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -s peers-found 2>/dev/null) "
    for peer in onednn:libdnnl-dev openblas:libopenblas-dev blis:libblis-dev xnnpack:libxnnpack-dev \
                libxsmm:libxsmm-dev onednn_gomp:onednn-cpu-gomp onednn_latest:onednn mkl:mkl \
                openblas_latest:scipy-openblas32; do
        [[ $found == *" ${peer%%:*} "* ]] ||
            fail "mk/peers.mk does not find ${peer%%:*}'s header and library (${peer#*:})"
    done
fi
exit 0

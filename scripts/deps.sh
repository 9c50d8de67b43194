#!/usr/bin/env bash
# Installs the Debian packages cnnbench needs, and only those that are missing. Idempotent.
# As root it runs apt-get itself; otherwise it prints the command to run and stops.
#   scripts/deps.sh            build + test packages
#   scripts/deps.sh --bench    also the peer libraries and gnuplot (make bench)
set -euo pipefail

pkgs=(build-essential pkg-config libbenchmark-dev libhwloc-dev hwloc-nox libxxhash-dev
      gcc-aarch64-linux-gnu qemu-user-static)
if [[ "${1:-}" == "--bench" ]]; then
    pkgs+=(libdnnl-dev libopenblas-dev libblis-dev gnuplot-nox)
fi
# hwloc (with X) and hwloc-nox conflict: either one gives us the tools.
missing=()
for p in "${pkgs[@]}"; do
    if [[ "$p" == hwloc-nox ]] && dpkg-query -W -f='${Status}' hwloc 2>/dev/null | grep -q 'ok installed'; then
        continue
    fi
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

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

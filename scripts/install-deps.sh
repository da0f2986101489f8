#!/usr/bin/env bash
# install-deps.sh - install with apt-get what building and testing tscript needs,
# and only what is missing (apt-get update runs only when something is).
#
#   scripts/install-deps.sh           build + test dependencies
#   scripts/install-deps.sh --build   only what building the CLI needs (`make demo`)
#   scripts/install-deps.sh --bench   also libtorch-dev, python3-venv (ONNX Runtime's venv)
#                                     and python3-matplotlib, for `make bench`
#
# Debian 12 package names. Run as root, or as a user who may sudo.
set -euo pipefail

packages=(
    make cmake gcc g++ clang libclang-rt-14-dev
    zlib1g-dev libcmocka-dev libopenblas-dev liblapacke-dev libdnnl-dev
    python3-torch python3-torchvision python3-torchaudio python3-numpy python3-pytest
)
if [[ "${1:-}" == "--bench" ]]; then
    packages+=(libtorch-dev python3-venv python3-matplotlib)
elif [[ "${1:-}" == "--build" ]]; then
    packages=(make cmake gcc g++ zlib1g-dev libopenblas-dev liblapacke-dev libdnnl-dev)
elif [[ $# -gt 0 ]]; then
    echo "usage: $0 [--build | --bench]" >&2
    exit 2
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all ${#packages[@]} packages are installed"
    exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null; then
        sudo=(sudo)
    else
        echo "install-deps: missing ${missing[*]}; run as root to install them" >&2
        exit 1
    fi
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

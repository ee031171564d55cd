#!/usr/bin/env bash
# One-command set-up on a fresh Debian/Ubuntu machine: system libtorch (and the Python reference stack the
# tests use) via apt when root or sudo is available, npm packages, the native addon and the TypeScript build.
# Set HPAIC_SKIP_APT=1 to skip apt (e.g. when building against LIBTORCH or LIBTORCH_USE_PYTORCH=1).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES="libtorch-dev libhdf5-dev liblzf-dev libdeflate-dev pkg-config python3-torch python3-torchvision python3-sklearn python3-h5py python3-numpy g++ make python3 python3-protobuf protobuf-compiler chromium libgloo-dev python3-onnx"
if [ "${HPAIC_SKIP_APT:-0}" != "1" ]; then
  SUDO=""
  if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"; else SUDO=""; fi
  fi
  if [ "$(id -u)" = "0" ] || [ -n "$SUDO" ]; then
    missing=""
    for p in $APT_PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
    if [ -n "$missing" ]; then
      echo "hpaic setup: installing with apt:$missing"
      $SUDO apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
    fi
  else
    echo "hpaic setup: not root and no sudo; skipping apt. Install libtorch yourself (see README) or set LIBTORCH."
  fi
fi

# onnxruntime-node (a test reference) would otherwise fetch CUDA providers from nuget.org in its install script.
export ONNXRUNTIME_NODE_INSTALL=skip
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
npm run build
echo "hpaic setup: done. Try: npx hpaic demo"

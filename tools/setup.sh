#!/usr/bin/env bash
# Installs everything Derrick needs on a fresh Debian/Ubuntu machine with
# Node 20 and root: the Debian packages its tests use, pnpm, the workspace's
# node modules, and a build of every package.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  binutils                    # readelf/objdump cross-checks of x86-64 ELF images
  binutils-aarch64-linux-gnu  # the same for AArch64
  libcapstone4                # independent disassembler for encoder golden tests
  libunicorn2                 # AArch64 emulation
  libunicorn-dev              # unicorn's headers: a test checks our FFI constants against them
)
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PNPM_VERSION="$(node -p "require('./package.json').packageManager.split('@')[1]")"
if ! command -v pnpm >/dev/null || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
  npm install -g "pnpm@${PNPM_VERSION}" --no-fund --no-audit --loglevel=error
fi

pnpm install --frozen-lockfile
pnpm build

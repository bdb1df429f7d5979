#!/usr/bin/env bash
# Installs QuantScope's build and test dependencies from Debian bookworm's packages.
# Idempotent and quiet when everything is present. Needs root (or sudo) to install.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libimgui-dev libglfw3-dev libgl-dev libeigen3-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libexpected-dev zlib1g-dev libstb-dev
  libhwy-dev xvfb xauth xdotool fonts-dejavu-core
  python3 python3-numpy time
  clang-14 libclang-rt-14-dev
  # Packaging and its tests (tests/install): the .deb's Depends (dpkg-shlibdeps), its
  # check, the desktop entry, AppStream and MIME validators, man pages read by groff;
  # rsvg-convert for scripts/make-icons.sh.
  dpkg-dev lintian desktop-file-utils appstream shared-mime-info groff-base librsvg2-bin
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo"
else
  echo "install-deps: missing packages and not root. Run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"

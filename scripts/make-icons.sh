#!/usr/bin/env bash
# Renders assets/quantscope.svg to the PNG sizes the desktop (hicolor theme) and the
# window icon use: assets/icons/quantscope-N.png for N in 16 32 48 64 128 256.
# The PNGs are committed, so building needs no SVG renderer; run this after editing the
# SVG. Needs rsvg-convert (Debian: librsvg2-bin).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v rsvg-convert >/dev/null || { echo "make-icons: needs rsvg-convert (apt-get install librsvg2-bin)" >&2; exit 1; }
mkdir -p assets/icons
for n in 16 32 48 64 128 256; do
  rsvg-convert --width "$n" --height "$n" --format png assets/quantscope.svg -o "assets/icons/quantscope-$n.png.tmp"
  mv "assets/icons/quantscope-$n.png.tmp" "assets/icons/quantscope-$n.png"
done
echo "make-icons: wrote assets/icons/quantscope-{16,32,48,64,128,256}.png"

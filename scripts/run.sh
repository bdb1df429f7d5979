#!/usr/bin/env bash
# `make run`: start the desktop app on the built-in demo model, or with the app's own
# arguments: `make run ARGS="model.gguf --view stored"` (scripts/run.sh BUILD [ARGS...]).
set -euo pipefail
BUILD="${1:-build}"
DEMO="$BUILD/demo.safetensors"
[ -f "$DEMO" ] || "$BUILD/app/quantscope-cli" demo --out "$DEMO"
if [ $# -gt 1 ]; then
  APP_ARGS=("${@:2}")
else
  APP_ARGS=("$DEMO")
fi
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$BUILD/app/quantscope" "${APP_ARGS[@]}"
fi
if [ $# -gt 1 ]; then
  echo "make run: no display (DISPLAY is unset); rendering the app under Xvfb instead."
  SHOT="$BUILD/quantscope-run.png"
  xvfb-run -a -s '-screen 0 1920x1080x24' "$BUILD/app/quantscope" "${APP_ARGS[@]}" \
    --screenshot "$SHOT" --size 1600x1000 >/dev/null
  echo "make run: wrote $SHOT"
  exit 0
fi
# No display (a server, a container, CI): say so, show what the app would show as a
# screenshot rendered under Xvfb, and the CLI's comparison table.
echo "make run: no display (DISPLAY is unset), so the window cannot open here."
if command -v xvfb-run >/dev/null 2>&1; then
  SHOT="$BUILD/quantscope-demo.png"
  xvfb-run -a -s '-screen 0 1920x1080x24' "$BUILD/app/quantscope" "$DEMO" \
    --tensor model.layers.0.self_attn.o_proj.weight --scheme absmax:bits=8 absmax:bits=4 \
    absmax:bits=4,clip=percentile,p=99.9 nf4 --screenshot "$SHOT" --size 1600x1000 >/dev/null
  echo "make run: rendered the app under Xvfb to $SHOT"
fi
echo "make run: on a desktop, run: $BUILD/app/quantscope $DEMO"
echo
"$BUILD/app/quantscope-cli" quantize "$DEMO" --tensor model.layers.0.self_attn.o_proj.weight \
  --scheme int8 uint8 absmax:bits=4 absmax:bits=4,gran=channel absmax:bits=4,gran=block,block=32 \
           absmax:bits=4,clip=percentile,p=99.9 absmax:bits=4,clip=mse nf4 fp8_e4m3 bf16

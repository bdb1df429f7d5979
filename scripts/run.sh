#!/usr/bin/env bash
# `make run`: start the main program on the built-in demo model.
set -euo pipefail
BUILD="${1:-build}"
DEMO="$BUILD/demo.safetensors"
[ -f "$DEMO" ] || "$BUILD/app/quantscope-cli" demo --out "$DEMO"
if [ -x "$BUILD/app/quantscope" ]; then
  exec "$BUILD/app/quantscope" "$DEMO"
fi
# Until the desktop app lands: inspect the demo and compare schemes on its tensors.
"$BUILD/app/quantscope-cli" inspect "$DEMO"
for t in model.layers.0.mlp.down_proj.weight model.layers.0.self_attn.o_proj.weight \
         model.layers.1.self_attn.q_proj.weight; do
  echo
  "$BUILD/app/quantscope-cli" quantize "$DEMO" --tensor "$t" \
    --scheme int8 uint8 absmax:bits=4 absmax:bits=4,gran=channel absmax:bits=4,gran=block,block=32 \
             absmax:bits=4,clip=percentile,p=99.9 absmax:bits=4,clip=mse nf4 fp8_e4m3 bf16
done

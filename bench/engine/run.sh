#!/bin/sh
# Build the engine bench (and the engine it imports) with tsc, then run it with an
# exposed GC for the allocation figures. Arguments go to main.ts (see its header).
set -e
cd "$(dirname "$0")/../.."
npx tsc -p bench/engine/tsconfig.bench.json
exec node --expose-gc bench/out/engine-build/bench/engine/main.js "$@"

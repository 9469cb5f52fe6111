#!/bin/sh
# Build the bench (and what it imports) with tsc, then run it. Arguments go to main.ts.
set -e
cd "$(dirname "$0")/../.."
npx tsc -p bench/kube-churn/tsconfig.bench.json
exec node bench/out/kube-churn-build/bench/kube-churn/main.js "$@"

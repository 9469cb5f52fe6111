#!/usr/bin/env bash
# Installs what weir's demo and tests need on a Debian machine with Node 20+:
# Debian's prometheus (the real signal source), chromium (the dashboard's browser test),
# golang-go and sprig (the Helm chart renderer used by the chart tests), then the npm
# packages pinned in package-lock.json. Nothing is downloaded from anywhere but Debian's
# packages and the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v go >/dev/null 2>&1 || need+=(golang-go)
[ -d /usr/share/gocode/src/github.com/Masterminds/sprig ] || need+=(golang-github-masterminds-sprig-dev)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo=(); elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo); else
    echo "weir setup: missing Debian packages: ${need[*]}" >&2
    echo "weir setup: run this as root, then run setup again:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${need[*]}" >&2
    exit 1
  fi
  echo "weir setup: installing ${need[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  # policy-rc.d keeps the prometheus package from starting a system-wide server: the
  # demo and the tests start their own on loopback.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${sudo[@]}" chmod +x /usr/sbin/policy-rc.d
    trap '"${sudo[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# `npm ci`: exactly the versions of the committed lock file, from the npm registry. The
# lock lists vite's optional rollup platform packages for every platform (an earlier lock
# lacked them, and npm 11.19's `npm ci` refused it as out of sync); `npm install` on a
# fresh checkout leaves this lock byte-identical (checked on 5 Dec 2026).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

#!/usr/bin/env bash
# Starts the dashboard against a local test cluster (a real kube-apiserver). Installs what it
# needs first. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --no-browser
export NEXT_TELEMETRY_DISABLED=1
exec npx --no-install tsx scripts/demo.ts "$@"

#!/usr/bin/env bash
# Runs every test: type check, unit and integration tests (Vitest, against a real kube-apiserver
# from test-cluster/), and end-to-end tests (Playwright in Debian's Chromium). Installs what it
# needs first. Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export NEXT_TELEMETRY_DISABLED=1
exec npx --no-install tsx scripts/run-tests.ts "$@"

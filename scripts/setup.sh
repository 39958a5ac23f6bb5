#!/usr/bin/env bash
# Installs everything Driftwatch needs on a fresh Debian machine; safe to run again (each step
# checks before it acts). Used by scripts/demo.sh and scripts/test.sh.
#   --no-browser   skip Chromium (the demo does not need it)
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=1
for arg in "$@"; do
  case "$arg" in
    --no-browser) want_browser=0 ;;
    *) echo "setup: unknown option $arg" >&2; exit 2 ;;
  esac
done

step() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# --- toolchains that cannot be installed from here -----------------------------------------
command -v node >/dev/null || { echo "setup: Node.js 20+ is required (node not found)" >&2; exit 1; }
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  { echo "setup: Node.js 20+ is required (found $(node --version))" >&2; exit 1; }
command -v go >/dev/null || { echo "setup: Go 1.26+ is required to build test-cluster/ (go not found)" >&2; exit 1; }

# --- Debian packages ------------------------------------------------------------------------
apt_packages=()
if [ "$want_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  apt_packages+=(chromium fonts-dejavu-core)
fi
# PostgreSQL server binaries for the history store's integration tests and bench:store (the
# tests start their own throwaway server; the package's default cluster is not used).
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  apt_packages+=(postgresql)
fi
if [ "${#apt_packages[@]}" -gt 0 ]; then
  step "installing Debian packages: ${apt_packages[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${apt_packages[@]}"
fi

# --- npm packages ---------------------------------------------------------------------------
# Native addons build from source against the system's Node headers: prebuilt binaries cannot be
# downloaded here.
export npm_config_nodedir="${npm_config_nodedir:-/usr}"
stamp=node_modules/.driftwatch-install-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  # `npm install` rather than `npm ci`: it installs the locked versions too, but tolerates optional
  # platform packages the registry does not serve (next's macOS/Windows SWC builds), which
  # `npm ci` rejects as a lock mismatch.
  step "installing npm packages (the first time compiles better-sqlite3 from source: a few minutes, quiet until done)"
  npm install --no-audit --no-fund
  touch "$stamp"
fi

# --- Go build of the test cluster -----------------------------------------------------------
step "building test-cluster (Go build cache makes this quick after the first time)"
export NEXT_TELEMETRY_DISABLED=1
npx --no-install tsx scripts/test-cluster-cli.ts build

#!/usr/bin/env bash
# Regenerates go.mod's require/replace lines for k8s.io/kubernetes at one version.
# k8s.io/kubernetes requires its staging modules at v0.0.0; every such line in its own go.mod needs
# a replace to the matching published v0.<minor>.<patch>. Deriving the list here means a version
# bump never misses a newly split-out staging module (1.36 added k8s.io/streaming, cri-streaming).
set -euo pipefail
cd "$(dirname "$0")/.."
K8S_VERSION="${1:-v1.37.2}"
STAGING_VERSION="v0.${K8S_VERSION#v1.}"
gomod=$(go mod download -json "k8s.io/kubernetes@${K8S_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
[ -f "$gomod" ] || { echo "could not locate go.mod of k8s.io/kubernetes@${K8S_VERSION}" >&2; exit 1; }
go mod edit -require="k8s.io/kubernetes@${K8S_VERSION}"
for mod in $(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" {print $1}' "$gomod" | sort -u); do
  go mod edit -replace="${mod}=${mod}@${STAGING_VERSION}"
done
echo "pinned k8s.io/kubernetes ${K8S_VERSION}; staging modules at ${STAGING_VERSION}"

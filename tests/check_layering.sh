#!/usr/bin/env bash
# Fails when a module includes a header of a module it may not use (DESIGN.md's table).
set -euo pipefail
root=$1
declare -A allowed=(
  [core]="core"
  [net]="core net"
  [http]="core http"
  [metrics]="core metrics"
  [config]="core http config"
  [cache]="core http metrics cache"
  [policy]="core metrics policy"
  [filters]="core http filters"
  [proxy]="core net http metrics config cache policy filters proxy"
  [admin]="core net http metrics config cache policy filters proxy admin"
  [jobs]="core net http proxy jobs"
  [bench]="core net http metrics bench"
  [app]="core net http metrics config cache policy filters proxy admin jobs bench app"
)
status=0
for module in "${!allowed[@]}"; do
  dir="$root/src/$module"
  [[ -d $dir ]] || continue
  while IFS= read -r line; do
    file=${line%%:*}
    used=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$line")
    if [[ " ${allowed[$module]} " != *" $used "* ]]; then
      echo "layering: $file includes $used/, which $module/ may not use" >&2
      status=1
    fi
  done < <(grep -rHE '^#include "[a-z_]+/' "$dir" || true)
done
[[ $status -eq 0 ]] && echo "layering: ok"
exit $status

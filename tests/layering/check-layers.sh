#!/usr/bin/env bash
# Fails when a file under SRC_DIR includes a header of its own layer's peers or of a layer above it.
# The layers, lowest first (a folder may include its own headers and those of lower layers only):
#   core < io < {parse, sources} < enrich < detect < {store, notify} < sinks < generate < pipeline
#   < serve < cli
# Usage: check-layers.sh SRC_DIR
set -uo pipefail
src=${1:?usage: check-layers.sh SRC_DIR}
declare -A rank=([core]=0 [io]=1 [parse]=2 [sources]=2 [enrich]=3 [detect]=4 [store]=5 [notify]=5
                 [sinks]=6 [generate]=7 [pipeline]=8 [serve]=9 [cli]=10)
status=0
for dir in "$src"/*/; do
  layer=$(basename "$dir")
  if [ -z "${rank[$layer]+x}" ]; then
    echo "layers: $layer/ has no place in the layer order (add it to $0)"
    status=1
    continue
  fi
  while IFS=: read -r file line include; do
    target=$(sed -E 's/^#include "([a-z_]+)\/.*/\1/' <<< "$include")
    [ "$target" = "$layer" ] && continue
    if [ -z "${rank[$target]+x}" ] || [ "${rank[$target]}" -ge "${rank[$layer]}" ]; then
      echo "layers: ${file#"$src"/}:$line includes $target/ from $layer/: only lower layers may be included"
      status=1
    fi
  done < <(grep -rnE '^#include "[a-z_]+/' "$dir" --include='*.hpp' --include='*.cpp' | sed -E 's/^([^:]+):([0-9]+):/\1:\2:/')
done
[ "$status" -eq 0 ] && echo "layers: every include goes down"
exit "$status"

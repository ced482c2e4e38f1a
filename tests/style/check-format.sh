#!/usr/bin/env bash
# Fails when a C++ file of the project differs from what clang-format makes of it (.clang-format at the
# root). Fix with: clang-format -i FILE (scripts/install-deps.sh installs clang-format).
# Usage: check-format.sh ROOT
set -uo pipefail
root=${1:?usage: check-format.sh ROOT}
cd "$root" || exit 1
command -v clang-format > /dev/null || { echo "style: clang-format is not installed (scripts/install-deps.sh)"; exit 1; }
status=0
count=0
while IFS= read -r -d '' file; do
  count=$((count + 1))
  if ! clang-format --dry-run --Werror "$file" > /dev/null 2>&1; then
    echo "style: $file is not clang-formatted (clang-format -i $file)"
    status=1
  fi
done < <(find src tests bench tools \( -name '*.cpp' -o -name '*.hpp' \) -not -path 'tests/layering/upward/*' -print0)
[ "$status" -eq 0 ] && echo "style: $count files clang-formatted"
exit "$status"

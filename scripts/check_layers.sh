#!/usr/bin/env bash
# Fails when a module includes a higher layer or another module's internal/ headers.
# Layers, bottom up; a module may include its own layer and those below.
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A rank=([core]=0 [dlp]=1 [voip]=1 [store]=1 [scan]=2 [audit]=2 [directory]=3 [auth]=3 [http]=3 [console]=3 [logs]=3
                 [identity]=4 [access]=5 [detect]=5 [recording]=5 [api]=6 [app]=7)
status=0
for file in $(find src -name '*.h' -o -name '*.cc'); do
  module=$(cut -d/ -f2 <<<"$file")
  [[ -n ${rank[$module]:-} ]] || continue
  while read -r included; do
    target=${included%%/*}
    [[ -n ${rank[$target]:-} ]] || continue
    if [[ $target != "$module" && $included == */internal/* ]]; then
      echo "layering: $file includes $included (another module's internal header)"; status=1
    elif [[ $target != "$module" && ${rank[$target]} -ge ${rank[$module]} ]]; then
      echo "layering: $file ($module) includes $included ($target is not a lower layer)"; status=1
    fi
  done < <(grep -oE '^#include "[a-z_]+/[^"]+"' "$file" | sed -E 's/#include "(.*)"/\1/')
done
# Only net/ and http/ files may include Asio or Beast.
if grep -rlE '#include <boost/(asio|beast)' src | grep -vE '^src/http/|/net/' ; then
  echo "layering: Asio/Beast included outside http/ and net/"; status=1
fi
exit $status

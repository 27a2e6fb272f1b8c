#!/usr/bin/env bash
# Regenerates every sample series from its program: three gzipped snapshots per program,
# written by Node itself (v8.writeHeapSnapshot after a forced GC). Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
for program in "$here"/programs/*.js; do
  name="$(basename "$program" .js)"
  [ "$name" = harness ] && continue
  out="$here/$name"
  rm -rf "$out" && mkdir -p "$out"
  node --expose-gc --max-semi-space-size=1 "$program" "$out"
  for f in "$out"/*.heapsnapshot; do gzip -9 -n "$f"; done
  echo "$name: $(ls "$out" | wc -l) snapshots"
done
du -sh "$here"

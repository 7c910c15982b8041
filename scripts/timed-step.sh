#!/usr/bin/env bash
# Run one step of `make test` and append how long it took to a file: timed-step.sh FILE NAME COMMAND...
set -u
file="$1" name="$2"
shift 2
start=$(date +%s)
"$@"
status=$?
printf '  %-11s %4d s%s\n' "$name" "$(( $(date +%s) - start ))" "$([ $status -ne 0 ] && echo '  (failed)')" >> "$file"
if [ $status -ne 0 ]; then
  echo "where the time went:"; cat "$file"
fi
exit $status

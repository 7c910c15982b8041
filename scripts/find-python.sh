#!/usr/bin/env bash
# Print the path of a Python interpreter of the given minor version (e.g. 3.10), or say in one line
# what to install. Looks at $PYTHON<major><minor> (e.g. PYTHON310), then pyenv, then the PATH.
set -u
version="$1"
var="PYTHON${version//./}"
candidates=()
[ -n "${!var:-}" ] && candidates+=("${!var}")
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for dir in $(ls -d "$root/versions/$version".* 2>/dev/null | sort -V -r); do
    candidates+=("$dir/bin/python$version")
  done
fi
candidates+=("python$version" "/usr/bin/python$version" "/usr/local/bin/python$version")
for candidate in "${candidates[@]}"; do
  if "$candidate" -c "import sys, venv; assert sys.version_info[:2] == tuple(map(int, '$version'.split('.')))" >/dev/null 2>&1; then
    command -v "$candidate"
    exit 0
  fi
done
echo "error: Python $version not found: install it (e.g. 'pyenv install $version' or 'apt-get install python$version python$version-venv') or set $var=/path/to/python$version" >&2
exit 1

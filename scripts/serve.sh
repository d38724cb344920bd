#!/usr/bin/env bash
# The main job: `greentic-runner serve` on the bundled demo (examples/, SQLite in .greentic/,
# port 8080), after installing the system libraries the build needs (as root).
# Usage: scripts/serve.sh [serve options, e.g. --port 9090]; environment variables as README.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh
exec swift run greentic-runner serve "$@"

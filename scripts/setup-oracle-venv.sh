#!/usr/bin/env bash
# Creates .venv-oracle with the pinned handlebars.js oracle (see scripts/handlebars-oracle.py).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv-oracle
.venv-oracle/bin/pip install --quiet --disable-pip-version-check -r scripts/oracle-requirements.txt

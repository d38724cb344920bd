#!/usr/bin/env bash
# Creates .venv-harness with the pinned SDK-oracle harness packages (see harness/README.md).
# Run the harness afterwards with: .venv-harness/bin/python -m pytest -q harness
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv-harness
.venv-harness/bin/pip install --quiet --disable-pip-version-check -r scripts/harness-requirements.txt

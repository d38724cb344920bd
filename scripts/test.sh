#!/usr/bin/env bash
# The whole test suite, as CI runs it: build with warnings as errors, run every test.
# Usage: scripts/test.sh [extra `swift test` arguments, e.g. --filter Flow]
set -euo pipefail
cd "$(dirname "$0")/.."

# System libraries the build links and the PostgreSQL server the tests use (installed when
# missing and we are root).
scripts/system-deps.sh --tests

# Formatting and the no-force-unwrap/no-try! rules for Sources (.swift-format; Tests relax them).
swift format lint --strict --recursive --parallel Package.swift Sources Tests

# Independent oracles, in a venv of pinned PyPI packages: handlebars.js itself for the
# template corpus, and Python's zipfile/cbor2/blake3/cryptography for gtpack interoperability.
scripts/setup-oracle-venv.sh

# Same environment for build and test, so SwiftPM does not re-plan between them.
export RUNNER_WARNINGS_AS_ERRORS=1
swift build --build-tests --explicit-target-dependency-import-check error

# One throwaway PostgreSQL server for the whole run (RUNNER_TEST_POSTGRES_URL): every test that
# needs one makes a schema of its own on it.
eval "$(scripts/postgres-test-server.sh start)"
trap 'scripts/postgres-test-server.sh stop' EXIT

swift test --skip-build --parallel "$@"

# The committed template expectations are what handlebars.js renders, the cron corpus is what
# croniter computes (but for the listed, deliberate differences), and the bundled demo
# pack verifies with tools that share no code with ours.
.venv-oracle/bin/python scripts/handlebars-oracle.py --check
.venv-oracle/bin/python scripts/cron-oracle.py --check
.venv-oracle/bin/python scripts/verify-gtpack.py examples/packs/demo.gtpack

# The providers' official SDKs as oracles against the built server (harness/README.md): Slack
# signatures against slack_sdk, Teams tokens against botbuilder, every provider's reply parsed
# by its SDK's models.
scripts/setup-harness-venv.sh
GREENTIC_RUNNER_BIN="$(swift build --show-bin-path)/greentic-runner" .venv-harness/bin/python -m pytest -q harness

#!/usr/bin/env bash
# Installs what the real-VS-Code test tiers need on a fresh machine: Debian's Chromium (Playwright drives
# it), ripgrep, the Kerberos headers code-server's native module builds against, and code-server itself.
# Idempotent: every step is skipped when its result is already there.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# python3 (with its sqlite3 module) is the native SQLite the local-store tests and benches compare with and
# the training process that writes a store while the extension reads it.
if ! command -v chromium >/dev/null || ! command -v rg >/dev/null || [ ! -e /usr/include/gssapi/gssapi.h ] \
  || ! python3 -c 'import sqlite3' 2>/dev/null; then
  echo "harness: installing chromium ripgrep libkrb5-dev python3 (apt)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium ripgrep libkrb5-dev python3 >/dev/null
fi
if [ ! -x "$HERE/node_modules/.bin/code-server" ]; then
  echo "harness: installing code-server (npm)"
  export TMPDIR=${TMPDIR:-/tmp}
  # @vscode/ripgrep (pinned by code-server) downloads rg from GitHub unless its cache already holds it.
  RGC=$TMPDIR/vscode-ripgrep-cache-1.15.11; mkdir -p "$RGC"
  tar czf "$RGC/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C /usr/bin rg
  # npm_config_yes: node-pty's postinstall runs `npx node-gyp`; --unsafe-perm: code-server's postinstall wants it as root.
  (cd "$HERE" && npm_config_yes=true npm install --unsafe-perm --no-audit --no-fund --loglevel=error)
fi

#!/usr/bin/env bash
# Installs what the real-VS-Code tiers and the demo need on a fresh machine (Debian/Ubuntu):
#   - ripgrep, and what code-server's native modules (node-pty, kerberos, argon2) build with: a C/C++
#     compiler, make, python3 and the Kerberos headers (apt);
#   - code-server itself (npm, into test/harness/node_modules);
#   - with --browser only: Debian's Chromium, which Playwright drives. The demo does not pass it: the user's own
#     browser opens the demo, only the tests drive one.
# apt needs root: as another user it runs through sudo, and says what to install when there is no sudo.
# Idempotent: every step is skipped when its result is already there.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BROWSER=0
for arg in "$@"; do
  case "$arg" in
    --browser) BROWSER=1 ;;
    *) echo "install.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

packages=()
command -v rg >/dev/null || packages+=(ripgrep)
[ -e /usr/include/gssapi/gssapi.h ] || packages+=(libkrb5-dev)
{ command -v g++ >/dev/null && command -v make >/dev/null; } || packages+=(build-essential)
# python3 with its sqlite3 module: the native SQLite the local-store tests compare with, and their store writer.
python3 -c 'import sqlite3' 2>/dev/null || packages+=(python3)
if [ "$BROWSER" = 1 ] && [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null; then packages+=(chromium); fi

if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null; then
    SUDO=(sudo)
  else
    echo "harness: missing ${packages[*]}; as root run: apt-get install ${packages[*]}" >&2
    exit 1
  fi
  echo "harness: installing ${packages[*]} (apt${SUDO:+ through sudo})"
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

if [ ! -x "$HERE/node_modules/.bin/code-server" ]; then
  echo "harness: installing code-server (npm)"
  export TMPDIR=${TMPDIR:-/tmp}
  # @vscode/ripgrep (pinned by code-server) downloads rg from GitHub unless its cache already holds it.
  RGC=$TMPDIR/vscode-ripgrep-cache-1.15.11; mkdir -p "$RGC"
  tar czf "$RGC/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$(dirname "$(command -v rg)")" rg
  # npm_config_yes: node-pty's postinstall runs `npx node-gyp`; --unsafe-perm: code-server's postinstall wants it as root.
  # `npm ci`, not `npm install`: the committed package-lock.json is followed, never rewritten, so `git status` stays clean.
  (cd "$HERE" && npm_config_yes=true npm ci --unsafe-perm --no-audit --no-fund --loglevel=error)
fi

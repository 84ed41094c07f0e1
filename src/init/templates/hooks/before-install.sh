#!/usr/bin/env bash
{{#node}}
# BeforeInstall: prepares what the agent's Install step needs: Node.js, and the app user that the
# appspec's permissions give {{appDir}} to (they are applied during Install, right after this hook).
{{/node}}
{{^node}}
# BeforeInstall: prepares what the agent's Install step needs: Python 3, and the app user that the
# appspec's permissions give {{appDir}} to (they are applied during Install, right after this hook).
{{/node}}
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
log_identity

{{#node}}
readonly NODE_MAJOR_MIN=20

step "check node"
if ! node_version=$(node --version 2>/dev/null); then
  fail "node is not installed (or not on PATH): the app needs Node.js $NODE_MAJOR_MIN or later; install it in the AMI or the launch template's user data"
fi
node_major=${node_version#v}
node_major=${node_major%%.*}
if [[ ! $node_major =~ ^[0-9]+$ ]] || ((node_major < NODE_MAJOR_MIN)); then
  fail "node $node_version is too old: the app needs Node.js $NODE_MAJOR_MIN or later"
fi
log "node $node_version"
{{/node}}
{{^node}}
# Amazon Linux 2023 ships Python 3.9.
readonly PYTHON_MINOR_MIN=9

step "check python3"
if ! python_version=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); then
{{#static}}
  fail "python3 is not installed (or not on PATH): its http.server serves the site; install it in the AMI or the launch template's user data"
{{/static}}
{{^static}}
  fail "python3 is not installed (or not on PATH): the app needs Python 3.$PYTHON_MINOR_MIN or later; install it in the AMI or the launch template's user data"
{{/static}}
fi
if [[ ! $python_version =~ ^3\.([0-9]+)$ ]] || ((BASH_REMATCH[1] < PYTHON_MINOR_MIN)); then
  fail "python3 $python_version is too old: Python 3.$PYTHON_MINOR_MIN or later is needed"
fi
log "python3 $python_version"
{{/node}}

step "create user $APP_USER"
if id -u "$APP_USER" >/dev/null 2>&1; then
  log "user $APP_USER exists"
else
  # A shell, not nologin: the agent runs `runas: {{user}}` hooks with `su {{user}} -c SCRIPT`, which uses it.
  # The account has no password, so nobody can log in with it.
  useradd --system --user-group --home-dir "$APP_DIR" --no-create-home --shell /bin/sh "$APP_USER"
  log "user $APP_USER created"
fi

step "create directories"
install -d -m 0755 -o root -g root "$ENV_DIR"
install -d -m 0755 -o "$APP_USER" -g "$APP_USER" "$APP_DIR"
log "$ENV_DIR and $APP_DIR exist"

#!/usr/bin/env bash
# AfterInstall: writes the app's environment (the version being deployed, the address to bind) and
# installs its systemd unit. The unit is installed here rather than by the appspec's `files`, so that
# it is root's with mode 0644 whatever /opt/web's permissions say, and a rerun can tell whether
# systemd has to reload it.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
log_identity

# install_if_changed SOURCE TARGET: installs SOURCE as TARGET (root's, mode 0644) unless they are equal.
install_if_changed() {
  if [[ -f $2 ]] && cmp -s "$1" "$2"; then
    log "$2 is up to date"
  else
    install -m 0644 -o root -g root "$1" "$2"
    log "$2 written"
  fi
}

step "read the deployed version"
read_deployed_version
log "version $DEPLOYED_VERSION"

step "read the private IP"
read_private_ip
log "private IP $PRIVATE_IP"

step "write $ENV_FILE"
env_draft=""
make_temp env_draft "$ENV_DIR"
cat >"$env_draft" <<ENV
# Written by the AfterInstall hook of every deployment; edits here are overwritten.
APP_VERSION=$DEPLOYED_VERSION
HOST=$PRIVATE_IP
PORT=$APP_PORT
DRAIN_FILE=$DRAIN_FILE
ENV
install_if_changed "$env_draft" "$ENV_FILE"

step "install $UNIT_FILE"
install_if_changed "$BUNDLE_DIR/hooks/web.service" "$UNIT_FILE"
systemctl daemon-reload
systemctl enable "$UNIT_NAME"
log "$UNIT_NAME enabled"

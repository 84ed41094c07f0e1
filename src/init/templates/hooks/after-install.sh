#!/usr/bin/env bash
# AfterInstall: writes the app's environment (the version being deployed, the address to bind) and
# installs its systemd unit. The unit is installed here rather than by the appspec's `files`, so that
# it is root's with mode 0644 whatever {{appDir}}'s permissions say, and a rerun can tell whether
# systemd has to reload it.
{{#installsDependencies}}
# Before that it installs the app's dependencies, which a GitHub revision does not carry.
{{/installsDependencies}}
{{#static}}
# And it writes the health document the server answers the health check with.
{{/static}}
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
{{#installsDependencies}}

# appspec timeout: {{afterInstallTimeout}}s.
readonly DEPENDENCIES_DEADLINE=240
WHY=""
{{#node}}
readonly CACHE_DIR=/var/cache/{{app}}
{{/node}}
{{/installsDependencies}}

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

{{#installsDependencies}}
# as_app_user COMMAND...: runs COMMAND as the app user in its directory, within DEPENDENCIES_DEADLINE;
# when it fails, sets WHY to how (the deadline, or its exit code).
as_app_user() {
  local status=0
  (cd "$APP_DIR" && timeout --kill-after=5 "$DEPENDENCIES_DEADLINE" runuser -u "$APP_USER" -- "$@") || status=$?
  case $status in
    0) return 0 ;;
    124 | 137) WHY="it did not finish within ${DEPENDENCIES_DEADLINE}s" ;;
    *) WHY="it exited with code $status; its output is above" ;;
  esac
  return 1
}

step "install dependencies"
{{#node}}
# npm ci replaces node_modules whole, so a rerun ends in the same state; its cache is outside the app.
install -d -m 0755 -o "$APP_USER" -g "$APP_USER" "$CACHE_DIR"
if [[ -f $APP_DIR/package-lock.json ]]; then
  install_command=(npm ci)
else
  install_command=(npm install --no-package-lock)
fi
if ! as_app_user env HOME="$CACHE_DIR" npm_config_cache="$CACHE_DIR/npm" \
  "${install_command[@]}" --omit=dev --no-audit --no-fund; then
  fail "${install_command[*]} --omit=dev in $APP_DIR failed: $WHY"
fi
log "node_modules installed with ${install_command[*]}"
{{/node}}
{{#python}}
# A virtual environment in the app's directory, made once; pip then brings it to the revision's list.
if [[ ! -x $APP_DIR/.venv/bin/python ]]; then
  if ! as_app_user python3 -m venv "$APP_DIR/.venv"; then
    fail "python3 -m venv $APP_DIR/.venv failed: $WHY (is python3's venv module installed?)"
  fi
fi
if ! as_app_user env HOME="$APP_DIR" "$APP_DIR/.venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  {{pipArguments}}; then
  fail "pip install {{pipArguments}} in $APP_DIR failed: $WHY"
fi
log "dependencies installed in $APP_DIR/.venv"
{{/python}}

{{/installsDependencies}}
{{#static}}
step "write $HEALTH_DOCUMENT"
write_health_document "$DEPLOYED_VERSION"

{{/static}}
step "install $UNIT_FILE"
install_if_changed "$BUNDLE_DIR/hooks/{{unit}}" "$UNIT_FILE"
systemctl daemon-reload
systemctl enable "$UNIT_NAME"
log "$UNIT_NAME enabled"

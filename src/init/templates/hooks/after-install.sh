#!/usr/bin/env bash
# AfterInstall: writes the app's environment (the version being deployed, the address to bind) and
# installs its systemd unit. The unit is installed here rather than by the appspec's `files`, so that
# it is root's with mode 0644 whatever {{appDir}}'s permissions say, and a rerun can tell whether
# systemd has to reload it.
{{#installsDependencies}}
# Before that it installs the app's dependencies, when it has any: a GitHub revision does not carry them.
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
# Decided at each deployment, so that a dependency added after greenlight init is installed too.
dependency_count=$(node -e '
  try { console.log(Object.keys(require(process.argv[1]).dependencies || {}).length); } catch { console.log(0); }
' "$APP_DIR/package.json")
if ((dependency_count == 0)); then
  log "$APP_DIR/package.json names no dependencies: nothing to install"
else
  # npm ci replaces node_modules whole, so a rerun ends in the same state; its cache is outside the app.
  install -d -m 0755 -o "$APP_USER" -g "$APP_USER" "$CACHE_DIR"
  if [[ -f $APP_DIR/package-lock.json ]]; then
    install_command=(npm ci)
  else
    install_command=(npm install --no-package-lock)
  fi
  if ! as_app_user env HOME="$CACHE_DIR" npm_config_cache="$CACHE_DIR/npm" npm_config_update_notifier=false \
    "${install_command[@]}" --omit=dev --no-audit --no-fund; then
    fail "${install_command[*]} --omit=dev in $APP_DIR failed: $WHY"
  fi
  log "$dependency_count dependencies installed with ${install_command[*]}"
fi
{{/node}}
{{#python}}
# Decided at each deployment, so that a requirement added after greenlight init is installed too.
pip_arguments=()
if [[ -f $APP_DIR/requirements.txt ]] && grep -q '^[[:space:]]*[^#[:space:]]' "$APP_DIR/requirements.txt"; then
  pip_arguments=(--requirement requirements.txt)
elif [[ -f $APP_DIR/pyproject.toml ]] && python3 -c '
import re, sys
text = open(sys.argv[1]).read()
sys.exit(0 if re.search(r"^\s*dependencies\s*=\s*\[\s*[\"\x27]", text, re.M) else 1)
' "$APP_DIR/pyproject.toml"; then
  pip_arguments=(.)
fi
if ((${#pip_arguments[@]} == 0)); then
  log "neither requirements.txt nor pyproject.toml names a requirement: nothing to install"
else
  # A virtual environment in the app's directory, made once; pip then brings it to the revision's list.
  # The unit puts its bin first on PATH.
  if [[ ! -x $APP_DIR/.venv/bin/python ]]; then
    if ! as_app_user python3 -m venv "$APP_DIR/.venv"; then
      fail "python3 -m venv $APP_DIR/.venv failed: $WHY (is python3's venv module installed?)"
    fi
  fi
  if ! as_app_user env HOME="$APP_DIR" "$APP_DIR/.venv/bin/python" -m pip install --quiet \
    --disable-pip-version-check "${pip_arguments[@]}"; then
    fail "pip install ${pip_arguments[*]} in $APP_DIR failed: $WHY"
  fi
  log "dependencies installed in $APP_DIR/.venv (pip install ${pip_arguments[*]})"
fi
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

#!/usr/bin/env bash
# BeforeAllowTraffic: makes sure the app is up, not draining, and serving the deployed version before
# the load balancer sends it traffic. On a replacement instance this confirms ValidateService. On an
# original instance that a rollback sends traffic back to, it undoes BeforeBlockTraffic (drain flag)
# and AfterBlockTraffic (stopped app).
{{#static}}
# A static site drains without its health document: it is written again here.
{{/static}}
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
log_identity

# appspec timeout: 120s.
HEALTH_DEADLINE=$(deadline_seconds 75)
readonly HEALTH_DEADLINE

step "read the deployed version"
read_deployed_version

step "read the private IP"
read_private_ip

step "clear the drain flag"
if [[ -e $DRAIN_FILE ]]; then
  rm -f "$DRAIN_FILE"
  log "the app was draining; it no longer is"
fi
{{#static}}
write_health_document "$DEPLOYED_VERSION"
{{/static}}

step "start $UNIT_NAME"
if ! app_installed; then
  fail "$UNIT_FILE does not exist: the app was never installed on this instance"
fi
if app_active; then
  log "$UNIT_NAME is running"
else
  systemctl start "$UNIT_NAME"
  log "$UNIT_NAME started"
fi

step "wait for $HEALTH_PATH"
wait_until_serving "$DEPLOYED_VERSION" "$HEALTH_DEADLINE"

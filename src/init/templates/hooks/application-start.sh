#!/usr/bin/env bash
# ApplicationStart: (re)starts the app on the revision just installed. systemd runs it, detached from
# this script, so no process of the hook keeps the agent's stdout open.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
log_identity

readonly ACTIVE_DEADLINE=30

step "clear the drain flag"
rm -f "$DRAIN_FILE"

step "restart $UNIT_NAME"
# restart, not start: an app left running by an in-place deployment must pick up the new revision.
systemctl restart "$UNIT_NAME"

step "wait until $UNIT_NAME is active"
if ! retry_for "$ACTIVE_DEADLINE" 1 "$UNIT_NAME to become active" app_active; then
  systemctl status "$UNIT_NAME" || true
  fail "$UNIT_NAME is not active ${ACTIVE_DEADLINE}s after a restart; systemctl status $UNIT_NAME above says why"
fi
log "$UNIT_NAME is active"

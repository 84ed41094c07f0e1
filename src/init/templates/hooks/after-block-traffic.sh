#!/usr/bin/env bash
# AfterBlockTraffic: the load balancer no longer sends this instance traffic, so the app is stopped
# gracefully (SIGTERM: it finishes what is in flight). A rollback that sends traffic back here starts
# it again in BeforeAllowTraffic.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
log_identity

step "stop $UNIT_NAME"
stop_app

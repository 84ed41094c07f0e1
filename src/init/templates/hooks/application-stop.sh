#!/usr/bin/env bash
# ApplicationStop: stops the running app before the new revision is installed.
# The agent runs this script from the last successful revision on the instance; on a fresh instance
# there is none and nothing runs. It must also succeed when nothing is installed: an ApplicationStop
# that fails there blocks every later deployment to the instance.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
log_identity

step "stop $UNIT_NAME"
stop_app

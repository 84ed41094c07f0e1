#!/usr/bin/env bash
# ValidateService: passes only when the app answers its health check over HTTP, on the address the load
# balancer uses, with 200 and the version this deployment installed. systemd saying "active" is not
# enough: the old version, a crash loop or a wrong bind address all look active.
# Runs as the app user (runas: {{user}} in appspec.yml): it needs no privilege.
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

step "wait for $HEALTH_PATH"
log "expecting version $DEPLOYED_VERSION from $(health_url) within ${HEALTH_DEADLINE}s"
wait_until_serving "$DEPLOYED_VERSION" "$HEALTH_DEADLINE"

#!/usr/bin/env bash
{{^static}}
# BeforeBlockTraffic: lets in-flight requests finish before the load balancer deregisters the instance.
# The drain flag makes {{healthPath}} answer 503 so the load balancer stops sending new requests; then the
# hook waits, for a bounded time, until the app reports no request in flight. The wait never fails the
# deployment: what is still in flight at the deadline is covered by the target group's deregistration
# delay and the app's graceful SIGTERM.
{{/static}}
{{#static}}
# BeforeBlockTraffic: a static site has no app to report requests in flight, so draining is the load
# balancer's: the health document is taken away ({{healthPath}} answers 404), so the load balancer stops
# sending new requests, and the target group's deregistration delay lets the ones in flight finish
# before AfterBlockTraffic stops the server. The drain flag records it for BeforeAllowTraffic, which
# writes the document again when a rollback sends traffic back here.
{{/static}}
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
log_identity

{{^static}}
# appspec timeout: 90s.
DRAIN_DEADLINE=$(deadline_seconds 45)
readonly DRAIN_DEADLINE

# in_flight_done: succeeds once the draining app reports 0 requests in flight (or no longer answers).
in_flight_done() {
  local body
  if ! body=$(curl_local "$(health_url)"); then
    IN_FLIGHT="no answer"
    return 0
  fi
  if [[ $body =~ \"inFlight\":([0-9]+) ]]; then
    IN_FLIGHT=${BASH_REMATCH[1]}
    ((IN_FLIGHT == 0))
  else
    IN_FLIGHT="unknown (the app does not report draining)"
    return 1
  fi
}

{{/static}}
step "check the app"
if ! app_installed || ! app_active; then
  log "$UNIT_NAME is not running: nothing to drain"
  exit 0
fi

step "set the drain flag"
install -d -m 0755 -o root -g root "$RUN_DIR"
touch "$DRAIN_FILE"
{{^static}}
log "$DRAIN_FILE set: {{healthPath}} answers 503 from now on"

step "read the private IP"
read_private_ip

step "wait for in-flight requests"
IN_FLIGHT="unknown"
if retry_for "$DRAIN_DEADLINE" 1 "in-flight requests to finish" in_flight_done; then
  log "drained (in flight: $IN_FLIGHT)"
else
  log "still in flight after ${DRAIN_DEADLINE}s: $IN_FLIGHT; going on, deregistration and SIGTERM will finish them"
fi
{{/static}}
{{#static}}
rm -f "$HEALTH_DOCUMENT"
log "$DRAIN_FILE set, $HEALTH_DOCUMENT removed: {{healthPath}} answers 404 from now on"
{{/static}}

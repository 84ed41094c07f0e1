# shellcheck shell=bash
# The constants and results (DEPLOYED_VERSION, PRIVATE_IP) are used by the hooks that source this file.
# shellcheck disable=SC2034
# Shared code of the lifecycle hooks in appspec.yml. Sourced by every hook, never run on its own.
#
# The same scripts run on EC2 and in the local cloud's instance sandboxes, so they only use what both
# have: bash, coreutils, curl, useradd/id, and systemctl's daemon-reload|enable|start|stop|restart|
# is-active|status verbs.
#
# What a hook prints becomes the CodeDeploy agent's log tail (its last ~2 KB) when it fails: every line
# names the hook and the step, and the last line of a failed hook says what failed and why.

readonly APP_USER={{user}}
readonly APP_DIR={{appDir}}
readonly APP_PORT={{port}}
readonly ENV_DIR={{envDir}}
readonly ENV_FILE={{envDir}}/env
readonly UNIT_NAME={{unit}}
readonly UNIT_FILE=/etc/systemd/system/{{unit}}
readonly RUN_DIR={{runDir}}
{{^static}}
# While it exists the app's {{healthPath}} answers 503, so the load balancer stops sending it requests.
{{/static}}
{{#static}}
# Set while the instance drains (before-block-traffic.sh), when the health document is taken away.
{{/static}}
readonly DRAIN_FILE={{runDir}}/draining
readonly HEALTH_PATH={{healthPath}}
{{#static}}
# python3's http.server has no health check of its own: it serves this file, which says the version.
readonly HEALTH_DOCUMENT={{appDir}}{{healthPath}}
{{/static}}
readonly IMDS_DEFAULT=http://169.254.169.254

# The agent runs hook scripts from the unpacked revision; its root is one level above hooks/.
BUNDLE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly BUNDLE_DIR
HOOK_NAME="${LIFECYCLE_EVENT:-$(basename "$0" .sh)}"
readonly HOOK_NAME
CURRENT_STEP="start"
FAILURE_REASON=""
HOOK_STARTED=$SECONDS
# Files removed when the hook ends, however it ends (see make_temp).
TEMP_FILES=()

# One stream, in order: the agent reads stdout and stderr separately, and interleaving them could put
# an older line last. log() writes to fd 2, so functions can still return values on stdout.
exec 2>&1

log() {
  printf '[%s] %s: %s\n' "$HOOK_NAME" "$CURRENT_STEP" "$*" >&2
}

# Says who runs the hook, first thing: the appspec's `runas` decides, and a hook run as the wrong user
# (permission denied, a missing home) is the first thing to rule out when reading a log tail.
log_identity() {
  log "running as $(id -un) (uid $(id -u)) from $BUNDLE_DIR"
}

step() {
  CURRENT_STEP=$1
  log "started"
}

# Ends the hook with a reason; the exit trap makes it the last line of the log.
fail() {
  FAILURE_REASON=$*
  exit 1
}

on_exit() {
  local status=$? failed_command=$BASH_COMMAND
  # ${a[@]+...}: an empty array is "unbound" to set -u in bash before 4.4 (Amazon Linux 2 has 4.2).
  rm -f ${TEMP_FILES[@]+"${TEMP_FILES[@]}"}
  if ((status == 0)); then
    CURRENT_STEP="done"
    log "succeeded in $((SECONDS - HOOK_STARTED))s"
  elif [[ -n $FAILURE_REASON ]]; then
    printf '[%s] FAILED in step "%s": %s\n' "$HOOK_NAME" "$CURRENT_STEP" "$FAILURE_REASON" >&2
  else
    printf '[%s] FAILED in step "%s": exit code %s from: %s\n' \
      "$HOOK_NAME" "$CURRENT_STEP" "$status" "$failed_command" >&2
  fi
}
trap on_exit EXIT

# make_temp VAR DIR: creates an empty temporary file in DIR (so a later mv or install stays on one file
# system) and sets VAR to its path; the exit trap removes it.
make_temp() {
  local path
  path=$(mktemp "$2/.tmp.XXXXXX")
  TEMP_FILES+=("$path")
  printf -v "$1" '%s' "$path"
}

# retry_for SECONDS INTERVAL WHAT COMMAND...: runs COMMAND until it succeeds, giving up when the next
# try would start after SECONDS. Every deadline here is shorter than the hook's appspec timeout, so a
# hook fails with its own message instead of being killed by the agent.
retry_for() {
  local deadline=$1 interval=$2 what=$3 started=$SECONDS attempts=0
  shift 3
  while true; do
    attempts=$((attempts + 1))
    if "$@"; then
      return 0
    fi
    if ((SECONDS - started + interval > deadline)); then
      log "gave up on $what after $attempts attempts in $((SECONDS - started))s"
      return 1
    fi
    sleep "$interval"
  done
}

# Requests to the instance itself and to its metadata service never go through a proxy.
curl_local() {
  curl --noproxy '*' --silent --max-time 3 "$@"
}

# metadata_get PATH: one read of latest/meta-data/PATH. IMDSv2 (a session token) first; when the
# endpoint hands out no token, a plain IMDSv1 GET.
metadata_get() {
  local endpoint=${AWS_EC2_METADATA_SERVICE_ENDPOINT:-$IMDS_DEFAULT} token
  endpoint=${endpoint%/}
  if token=$(curl_local --fail -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' \
    "$endpoint/latest/api/token") && [[ -n $token ]]; then
    curl_local --fail -H "X-aws-ec2-metadata-token: $token" "$endpoint/latest/meta-data/$1"
  else
    curl_local --fail "$endpoint/latest/meta-data/$1"
  fi
}

# Sets PRIVATE_IP: the address the app binds and the health check asks, on EC2 and in a sandbox alike.
read_private_ip() {
  local endpoint=${AWS_EC2_METADATA_SERVICE_ENDPOINT:-$IMDS_DEFAULT} value=""
  if ! value=$(retry_for 20 2 "the instance metadata service" metadata_get local-ipv4); then
    fail "cannot read local-ipv4 from the instance metadata service at $endpoint within 20s"
  fi
  if [[ ! $value =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]]; then
    fail "the instance metadata service at $endpoint answered local-ipv4 with \"$value\", not an IPv4 address"
  fi
  PRIVATE_IP=$value
}

# Sets DEPLOYED_VERSION: the revision this deployment installs. A GitHub revision gives its commit in
# BUNDLE_COMMIT; an S3 bundle carries a REVISION file at its root (greenlight deploy --bundle writes it).
read_deployed_version() {
  local value=""
  if [[ -n ${BUNDLE_COMMIT:-} ]]; then
    value=$BUNDLE_COMMIT
  elif [[ -s $BUNDLE_DIR/REVISION ]]; then
    read -r value <"$BUNDLE_DIR/REVISION" || true
  else
    fail "cannot tell which version is deployed: BUNDLE_COMMIT is not set and $BUNDLE_DIR/REVISION does not exist (greenlight deploy --bundle writes it)"
  fi
  if [[ ! $value =~ ^[A-Za-z0-9._-]{1,128}$ ]]; then
    fail "the deployed version \"$value\" is not a commit or build id (letters, digits, . _ - only)"
  fi
  DEPLOYED_VERSION=$value
}

health_url() {
  printf 'http://%s:%s%s' "$PRIVATE_IP" "$APP_PORT" "$HEALTH_PATH"
}

app_installed() {
  [[ -f $UNIT_FILE ]]
}

app_active() {
  systemctl is-active "$UNIT_NAME" >/dev/null
}

{{^static}}
# Stops the app and waits for it: systemd sends SIGTERM and the app finishes its in-flight requests
# (within its SHUTDOWN_GRACE_MS, below the unit's TimeoutStopSec).
{{/static}}
{{#static}}
# Stops the server: SIGTERM ends python3's http.server at once. A blue instance gets here after the
# load balancer's deregistration delay, which is what let its last requests finish.
{{/static}}
stop_app() {
  if ! app_installed; then
    log "$UNIT_FILE does not exist: nothing installed, nothing to stop"
    return 0
  fi
  if ! app_active; then
    log "$UNIT_NAME is not running"
    return 0
  fi
  systemctl stop "$UNIT_NAME"
  log "$UNIT_NAME stopped"
}

# probe_health VERSION: one health check. Succeeds on 200 with status pass and VERSION; otherwise sets
# LAST_ANSWER to what the app said, for the failure message.
probe_health() {
  local expected=$1 response code body version rc=0
  response=$(curl_local --write-out '\n%{http_code}' "$(health_url)") || rc=$?
  if ((rc != 0)); then
    case $rc in
      7) LAST_ANSWER="connection refused (the app is not listening on $PRIVATE_IP:$APP_PORT)" ;;
      28) LAST_ANSWER="no answer within 3s" ;;
      *) LAST_ANSWER="curl failed with exit code $rc" ;;
    esac
    LAST_ANSWER_KIND=$LAST_ANSWER
    return 1
  fi
  code=${response##*$'\n'}
  body=${response%$'\n'*}
  # One line, without the body's own trailing newline: the answer ends up in the log tail's last line.
  body=${body//$'\n'/ }
  while [[ $body == *' ' ]]; do body=${body% }; done
  version=""
  if [[ $body =~ \"version\":\"([^\"]*)\" ]]; then
    version=${BASH_REMATCH[1]}
  fi
  if [[ $code == 200 && $body == *'"status":"pass"'* && $version == "$expected" ]]; then
    LAST_ANSWER="HTTP 200, version $version"
    LAST_ANSWER_KIND=$LAST_ANSWER
    return 0
  fi
  LAST_ANSWER="HTTP $code, version ${version:-(none)}, body: ${body:0:200}"
  # The body changes on every answer (its datetime); the status and version say whether anything did.
  LAST_ANSWER_KIND="HTTP $code, version ${version:-(none)}"
  return 1
}

# wait_until_serving VERSION SECONDS: polls {{healthPath}} until the app answers 200 with VERSION.
wait_until_serving() {
  local expected=$1 deadline=$2 started=$SECONDS attempts=0 said=""
  LAST_ANSWER="nothing yet"
  LAST_ANSWER_KIND=""
  while true; do
    attempts=$((attempts + 1))
    if probe_health "$expected"; then
      log "$(health_url) answered $LAST_ANSWER after $attempts attempts"
      return 0
    fi
    # Only changes are logged, so a long wait does not push the useful lines out of the log tail.
    if [[ $LAST_ANSWER_KIND != "$said" ]]; then
      log "waiting: $LAST_ANSWER"
      said=$LAST_ANSWER_KIND
    fi
    if ((SECONDS - started + 2 > deadline)); then
      fail "$(health_url) did not answer 200 with version $expected within ${deadline}s ($attempts attempts); last answer: $LAST_ANSWER"
    fi
    sleep 2
  done
}

# deadline_seconds DEFAULT: DEFAULT, or {{deadlineVariable}} when that is shorter (rehearsals that
# expect a failure need not wait the whole default). Never longer: DEFAULT fits the appspec timeout.
deadline_seconds() {
  local default=$1 wanted=${{{deadlineVariable}}:-}
  if [[ $wanted =~ ^[0-9]+$ ]] && ((wanted > 0 && wanted < default)); then
    printf '%s' "$wanted"
  else
    printf '%s' "$default"
  fi
}
{{#static}}

# write_health_document VERSION: the health check's answer, as a file the server serves. Written to a
# temporary file and renamed, so the server never serves half of it.
write_health_document() {
  local draft=""
  install -d -m 0755 -o "$APP_USER" -g "$APP_USER" "$(dirname "$HEALTH_DOCUMENT")"
  make_temp draft "$(dirname "$HEALTH_DOCUMENT")"
  printf '{"status":"pass","version":"%s"}\n' "$1" >"$draft"
  chmod 0644 "$draft"
  mv -f "$draft" "$HEALTH_DOCUMENT"
  log "$HEALTH_DOCUMENT says version $1"
}
{{/static}}

#!/usr/bin/env bash
# The checks `greenlight verify` makes, done the way teams script them today: the AWS CLI and jq.
# Usage: verify-with-aws-cli.sh DEPLOYMENT_ID TARGET_GROUP_NAME ALARM_NAME...
# AWS_ENDPOINT_URL, AWS_REGION and credentials come from the environment, as for any aws command.
# Exit 0 when every green instance succeeded every lifecycle event, is InService and healthy in its
# ASG, healthy in the target group, and no alarm is in ALARM; exit 1 with one line per problem.
set -euo pipefail
# AWS CLI v2.9 predates AWS_ENDPOINT_URL: pass it as --endpoint-url.
aws=(/usr/bin/aws)
[ -z "${AWS_ENDPOINT_URL:-}" ] || aws+=(--endpoint-url "$AWS_ENDPOINT_URL")
deployment=$1
target_group=$2
shift 2
problems=0
fail() { echo "FAIL: $*"; problems=$((problems + 1)); }

status=$("${aws[@]}" deploy get-deployment --deployment-id "$deployment" --query 'deploymentInfo.status' --output text)
[ "$status" = Succeeded ] || fail "deployment $deployment is $status"

# Every green target (the CLI follows nextToken itself), then its detail 25 at a time.
mapfile -t targets < <("${aws[@]}" deploy list-deployment-targets --deployment-id "$deployment" \
  --target-filters ServerInstanceLabel=Green --query 'targetIds[]' --output text | tr '\t' '\n' | sed '/^$/d')
details=$(mktemp)
trap 'rm -f "$details"' EXIT
for ((i = 0; i < ${#targets[@]}; i += 25)); do
  "${aws[@]}" deploy batch-get-deployment-targets --deployment-id "$deployment" \
    --target-ids "${targets[@]:i:25}" --output json >>"$details"
done
while read -r line; do fail "$line"; done < <(jq -r '.deploymentTargets[].instanceTarget
  | select(.status != "Succeeded" or any(.lifecycleEvents[]; .status != "Succeeded"))
  | "\(.targetId) target \(.status): " + ([.lifecycleEvents[] | select(.status != "Succeeded")
  | "\(.lifecycleEventName) \(.status) \(.diagnostics.scriptName // "") \(.diagnostics.errorCode // "")"] | join("; "))' "$details")

# The green ASG: every instance InService and Healthy, as many as desired.
asg="CodeDeploy_$("${aws[@]}" deploy get-deployment --deployment-id "$deployment" \
  --query 'deploymentInfo.deploymentGroupName' --output text)_$deployment"
asg_problems=$("${aws[@]}" autoscaling describe-auto-scaling-groups --auto-scaling-group-names "$asg" --output json |
  jq -r '.AutoScalingGroups[] | (.Instances[] | select(.LifecycleState != "InService" or .HealthStatus != "Healthy")
    | "\(.InstanceId) is \(.LifecycleState)/\(.HealthStatus)"),
    (select((.Instances | length) != .DesiredCapacity) | "\(.AutoScalingGroupName): desired \(.DesiredCapacity), has \(.Instances | length)")')
while read -r line; do [ -z "$line" ] || fail "$line"; done <<<"$asg_problems"

# Target health of every green instance.
arn=$("${aws[@]}" elbv2 describe-target-groups --names "$target_group" --query 'TargetGroups[0].TargetGroupArn' --output text)
health=$("${aws[@]}" elbv2 describe-target-health --target-group-arn "$arn" --output json)
for id in "${targets[@]}"; do
  state=$(jq -r --arg id "$id" '[.TargetHealthDescriptions[] | select(.Target.Id == $id) | .TargetHealth.State][0] // "unregistered"' <<<"$health")
  [ "$state" = healthy ] || fail "$id is $state in $target_group"
done

if [ $# -gt 0 ]; then
  while read -r line; do fail "alarm $line"; done < <("${aws[@]}" cloudwatch describe-alarms --alarm-names "$@" \
    --query 'MetricAlarms[?StateValue==`ALARM`].AlarmName' --output text | tr '\t' '\n' | sed '/^$/d')
fi

if [ "$problems" -gt 0 ]; then
  echo "NOT verified: $problems problem(s), ${#targets[@]} green instances"
  exit 1
fi
echo "verified: ${#targets[@]} green instances"

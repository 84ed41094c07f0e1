#!/usr/bin/env python3
"""The checks `greenlight verify DEPLOYMENT_ID` makes, as one boto3 process: the honest peer.

Usage: verify-with-boto3.py DEPLOYMENT_ID
AWS_ENDPOINT_URL, AWS_REGION and credentials come from the environment, as for any boto3 program.

The same API calls as greenlight, one for one, with the same concurrency (4 requests in flight for
target batches and EC2 lookups, the group and both target listings at once):
  GetDeployment; GetDeploymentGroup + ListDeploymentTargets (Green, then Blue, 100 ids a page);
  BatchGetDeploymentTargets (Green, 25 a batch); DescribeAutoScalingGroups (the green copy);
  DescribeTargetGroups + DescribeTargetHealth per target group; DescribeAlarms (the group's);
  DescribeInstances (the Blue instances, 200 ids a call, filtered by instance-id).
Verified when the deployment Succeeded; every green target Succeeded every lifecycle event; the
green ASG has as many InService/Healthy instances as it desires, all of them green targets; every
green instance is healthy in every target group, and nothing else is registered there but blue
instances on their way out; every blue instance is terminated (or gone); no alarm is in ALARM.
Exit 0 verified, 1 not (one line per problem).
"""
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

IN_FLIGHT = 4


def main(deployment_id):
    config = Config(retries={"mode": "standard", "max_attempts": 5})
    session = boto3.session.Session()
    codedeploy = session.client("codedeploy", config=config)
    problems = []

    info = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    if info["status"] != "Succeeded":
        problems.append(f"deployment {deployment_id} is {info['status']}")
    app, group_name = info["applicationName"], info["deploymentGroupName"]

    def list_targets(label):
        ids, token = [], None
        while True:
            args = {"deploymentId": deployment_id, "targetFilters": {"ServerInstanceLabel": [label]}}
            if token:
                args["nextToken"] = token
            page = codedeploy.list_deployment_targets(**args)
            ids += page.get("targetIds", [])
            token = page.get("nextToken")
            if not token:
                return ids

    with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
        group_f = pool.submit(
            codedeploy.get_deployment_group, applicationName=app, deploymentGroupName=group_name
        )
        green_f = pool.submit(list_targets, "Green")
        blue_f = pool.submit(list_targets, "Blue")
        group = group_f.result()["deploymentGroupInfo"]
        green, blue = green_f.result(), blue_f.result()

    # Clients are made once their service is needed, as greenlight does.
    autoscaling = session.client("autoscaling", config=config)
    elbv2 = session.client("elbv2", config=config)
    cloudwatch = session.client("cloudwatch", config=config)
    ec2 = session.client("ec2", config=config)

    tg_names = sorted(
        {tg["name"] for tg in info.get("loadBalancerInfo", {}).get("targetGroupInfoList", [])}
        | {tg["name"] for tg in group.get("loadBalancerInfo", {}).get("targetGroupInfoList", [])}
    )
    alarm_conf = group.get("alarmConfiguration", {})
    alarm_names = [a["name"] for a in alarm_conf.get("alarms", [])] if alarm_conf.get("enabled") else []
    asg_name = f"CodeDeploy_{group_name}_{deployment_id}"

    def batch_targets(ids):
        out = codedeploy.batch_get_deployment_targets(deploymentId=deployment_id, targetIds=ids)
        return [t["instanceTarget"] for t in out.get("deploymentTargets", []) if "instanceTarget" in t]

    def target_health():
        arns = {
            tg["TargetGroupName"]: tg["TargetGroupArn"]
            for tg in elbv2.describe_target_groups(Names=tg_names)["TargetGroups"]
        } if tg_names else {}
        return {
            name: elbv2.describe_target_health(TargetGroupArn=arns[name])["TargetHealthDescriptions"]
            for name in tg_names
        }

    def alarms():
        if not alarm_names:
            return []
        return cloudwatch.describe_alarms(AlarmNames=alarm_names, MaxRecords=100)["MetricAlarms"]

    def instances(ids):
        out = ec2.describe_instances(Filters=[{"Name": "instance-id", "Values": ids}], MaxResults=1000)
        return [i for r in out["Reservations"] for i in r["Instances"]]

    with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
        target_fs = [pool.submit(batch_targets, green[i : i + 25]) for i in range(0, len(green), 25)]
        asg_f = pool.submit(autoscaling.describe_auto_scaling_groups, AutoScalingGroupNames=[asg_name])
        health_f = pool.submit(target_health)
        alarms_f = pool.submit(alarms)
        targets = [t for f in target_fs for t in f.result()]
        asgs = asg_f.result()["AutoScalingGroups"]
        health = health_f.result()
        alarm_list = alarms_f.result()

    with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
        blue_fs = [pool.submit(instances, blue[i : i + 200]) for i in range(0, len(blue), 200)]
        blue_instances = {i["InstanceId"]: i for f in blue_fs for i in f.result()}

    green_set, blue_set = set(green), set(blue)
    for t in targets:
        bad = [e for e in t.get("lifecycleEvents", []) if e["status"] != "Succeeded"]
        if t["status"] != "Succeeded" or bad:
            events = "; ".join(
                f"{e['lifecycleEventName']} {e['status']} {e.get('diagnostics', {}).get('scriptName', '')}"
                for e in bad
            )
            problems.append(f"{t['targetId']} target {t['status']}: {events}")
    if len(targets) != len(green):
        problems.append(f"{len(green)} green targets listed, {len(targets)} described")

    if not asgs:
        problems.append(f"Auto Scaling group {asg_name} does not exist")
    for g in asgs:
        live = [i for i in g["Instances"] if not i["LifecycleState"].startswith(("Terminat", "Detach"))]
        for i in live:
            if i["LifecycleState"] != "InService" or i["HealthStatus"] != "Healthy":
                problems.append(f"{i['InstanceId']} is {i['LifecycleState']}/{i['HealthStatus']}")
            if i["InstanceId"] not in green_set:
                problems.append(f"{i['InstanceId']} is in {asg_name} but no green target")
        if len(live) != g["DesiredCapacity"]:
            problems.append(f"{asg_name}: desired {g['DesiredCapacity']}, has {len(live)}")

    for name, descriptions in health.items():
        state = {d["Target"]["Id"]: d["TargetHealth"]["State"] for d in descriptions}
        for instance_id in green:
            if state.get(instance_id) != "healthy":
                problems.append(f"{instance_id} is {state.get(instance_id, 'unregistered')} in {name}")
        for instance_id, s in state.items():
            if instance_id in green_set or s == "unused":
                continue
            if instance_id not in blue_set or s not in ("draining", "unused"):
                problems.append(f"{instance_id} is registered in {name} ({s}) but no green instance")

    for instance_id in blue:
        s = blue_instances.get(instance_id, {}).get("State", {}).get("Name", "missing")
        if s not in ("terminated", "missing"):
            problems.append(f"blue instance {instance_id} is {s}, not terminated")

    for a in alarm_list:
        if a["StateValue"] == "ALARM":
            problems.append(f"alarm {a['AlarmName']} is in ALARM")

    for p in problems:
        print(f"FAIL: {p}")
    if problems:
        print(f"NOT verified: {len(problems)} problem(s), {len(green)} green instances")
        return 1
    print(f"verified: {len(green)} of {len(green)} green instances")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: verify-with-boto3.py DEPLOYMENT_ID", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))

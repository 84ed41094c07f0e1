"""The differential test's client: the same boto3 calls against one endpoint (moto or the local cloud).

    python3 boto3_calls.py ENDPOINT_URL [--local-cloud]

Prints one JSON object: call name -> {"ok", "status", "error", "values", "keys"}, where "values" are
the fields the test compares exactly and "keys" the shape of the answer (every key path, lists as
[]). Calls run in order; later ones use ids earlier ones returned. Nothing here judges: the
TypeScript test (moto.test.ts) compares the two runs against its list of known differences.
"""

import json
import sys
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = sys.argv[1]
# moto's instances run the moment they launch; the local cloud's boot on its (manual) clock, which
# this script moves through the control API where a person would wait a minute.
LOCAL_CLOUD = "--local-cloud" in sys.argv[2:]
CONFIG = Config(
    retries={"max_attempts": 1},
    s3={"addressing_style": "path"},
    # boto3 1.36+'s defaults, stated: CRC32 on uploads, checksums asked for and checked on reads.
    request_checksum_calculation="when_supported",
    response_checksum_validation="when_supported",
)


def client(service, region="us-east-1"):
    return boto3.client(
        service,
        endpoint_url=ENDPOINT,
        region_name=region,
        aws_access_key_id="AKIDDIFFERENTIAL",
        aws_secret_access_key="differential",
        config=CONFIG,
    )


s3 = client("s3")
s3_eu = client("s3", "eu-west-1")
ec2 = client("ec2")
elbv2 = client("elbv2")
autoscaling = client("autoscaling")

results = {}
state = {}


def key_paths(value, prefix=""):
    """Every key path of an answer; a list contributes its first element's paths under []."""
    if isinstance(value, dict):
        paths = []
        for key, item in value.items():
            if key == "ResponseMetadata":
                continue
            path = f"{prefix}.{key}" if prefix else key
            paths.append(path)
            paths.extend(key_paths(item, path))
        return paths
    if isinstance(value, list) and value:
        return key_paths(value[0], f"{prefix}[]")
    return []


def pick(value, path):
    """A value by a dotted path; `[]` maps over a list; `#` is a list's length."""
    if path == "#":
        return len(value) if isinstance(value, list) else None
    head, _, rest = path.partition(".")
    if head.endswith("[]"):
        items = value.get(head[:-2], []) if isinstance(value, dict) else []
        return [pick(item, rest) if rest else item for item in items]
    if head.endswith("#"):
        items = value.get(head[:-1]) if isinstance(value, dict) else None
        return len(items) if isinstance(items, list) else None
    item = value.get(head) if isinstance(value, dict) else None
    return pick(item, rest) if rest and item is not None else item


def call(name, fn, values=(), keep=None, derive=None):
    """Runs one call and records what the test compares: `values` are paths into the answer, `derive(answer)`
    adds computed ones; `keep(answer)` saves ids for later calls."""
    try:
        answer = fn()
    except ClientError as error:
        response = error.response
        results[name] = {
            "ok": False,
            "status": response.get("ResponseMetadata", {}).get("HTTPStatusCode"),
            "error": response.get("Error", {}).get("Code"),
            "values": {},
            "keys": [],
        }
        return None
    if "Body" in answer:
        answer["Body"] = answer["Body"].read().decode("utf-8")
    results[name] = {
        "ok": True,
        "status": answer.get("ResponseMetadata", {}).get("HTTPStatusCode"),
        "error": None,
        "values": {**{path: pick(answer, path) for path in values}, **(derive(answer) if derive else {})},
        "keys": sorted(set(key_paths(answer))),
    }
    if keep:
        keep(answer)
    return answer


# --- S3 ---------------------------------------------------------------------------------------------

call("s3.CreateBucket", lambda: s3.create_bucket(Bucket="diff-bucket"))
call("s3.CreateBucket again (us-east-1)", lambda: s3.create_bucket(Bucket="diff-bucket"))
eu_config = {"LocationConstraint": "eu-west-1"}
call("s3.CreateBucket (eu-west-1)", lambda: s3_eu.create_bucket(Bucket="diff-eu", CreateBucketConfiguration=eu_config))
call(
    "s3.CreateBucket again (eu-west-1)",
    lambda: s3_eu.create_bucket(Bucket="diff-eu", CreateBucketConfiguration=eu_config),
)
call("s3.CreateBucket (eu-west-1, no constraint)", lambda: s3_eu.create_bucket(Bucket="diff-eu-2"))
call(
    "s3.CreateBucket (us-east-1 named)",
    lambda: s3.create_bucket(Bucket="diff-us", CreateBucketConfiguration={"LocationConstraint": "us-east-1"}),
)
call(
    "s3.PutObject (CRC32 by default)",
    lambda: s3.put_object(Bucket="diff-bucket", Key="a.txt", Body=b"123456789"),
    values=["ETag", "ChecksumCRC32"],
    keep=lambda a: state.update(etag=a["ETag"]),
)
call(
    "s3.PutObject (SHA256)",
    lambda: s3.put_object(Bucket="diff-bucket", Key="b.txt", Body=b"123456789", ChecksumAlgorithm="SHA256"),
    values=["ChecksumSHA256"],
)
call(
    "s3.GetObject (ChecksumMode ENABLED)",
    lambda: s3.get_object(Bucket="diff-bucket", Key="a.txt", ChecksumMode="ENABLED"),
    values=["Body", "ETag", "ChecksumCRC32", "ContentLength"],
)
call(
    "s3.HeadObject (ChecksumMode ENABLED, SHA256)",
    lambda: s3.head_object(Bucket="diff-bucket", Key="b.txt", ChecksumMode="ENABLED"),
    values=["ChecksumSHA256", "ContentLength"],
)
call("s3.GetObject (If-Match fails)", lambda: s3.get_object(Bucket="diff-bucket", Key="a.txt", IfMatch='"0000"'))
call(
    "s3.GetObject (If-Match holds)",
    lambda: s3.get_object(Bucket="diff-bucket", Key="a.txt", IfMatch=state["etag"]),
    values=["Body"],
)
call(
    "s3.GetObject (If-None-Match matches)",
    lambda: s3.get_object(Bucket="diff-bucket", Key="a.txt", IfNoneMatch=state["etag"]),
)
call(
    "s3.PutObject (If-None-Match * on an existing key)",
    lambda: s3.put_object(Bucket="diff-bucket", Key="a.txt", Body=b"x", IfNoneMatch="*"),
)
call("s3.GetObject (no such key)", lambda: s3.get_object(Bucket="diff-bucket", Key="missing"))
call("s3.HeadObject (no such key)", lambda: s3.head_object(Bucket="diff-bucket", Key="missing"))
call("s3.GetObject (no such bucket)", lambda: s3.get_object(Bucket="diff-missing", Key="a.txt"))
call(
    "s3.ListObjectsV2",
    lambda: s3.list_objects_v2(Bucket="diff-bucket"),
    values=["KeyCount", "Contents[].Key", "IsTruncated"],
)
call("s3.GetBucketLocation (us-east-1)", lambda: s3.get_bucket_location(Bucket="diff-bucket"), values=["LocationConstraint"])
call("s3.DeleteBucket (not empty)", lambda: s3.delete_bucket(Bucket="diff-bucket"))
call("s3.HeadBucket (no such bucket)", lambda: s3.head_bucket(Bucket="diff-missing"))
call(
    "s3.PutBucketVersioning",
    lambda: s3.put_bucket_versioning(Bucket="diff-eu", VersioningConfiguration={"Status": "Enabled"}),
)
call("s3.GetBucketVersioning", lambda: s3.get_bucket_versioning(Bucket="diff-eu"), values=["Status"])
call(
    "s3.PutObject (versioned)",
    lambda: s3_eu.put_object(Bucket="diff-eu", Key="v.txt", Body=b"one"),
    keep=lambda a: state.update(version=a["VersionId"]),
)
call(
    "s3.DeleteObject (versioned: a delete marker)",
    lambda: s3_eu.delete_object(Bucket="diff-eu", Key="v.txt"),
    values=["DeleteMarker"],
)
call("s3.GetObject (behind a delete marker)", lambda: s3_eu.get_object(Bucket="diff-eu", Key="v.txt"))
call(
    "s3.GetObject (an older version)",
    lambda: s3_eu.get_object(Bucket="diff-eu", Key="v.txt", VersionId=state["version"]),
    values=["Body"],
)

# --- EC2: the network -------------------------------------------------------------------------------

call(
    "ec2.DescribeAvailabilityZones",
    lambda: ec2.describe_availability_zones(),
    values=["AvailabilityZones[].ZoneName", "AvailabilityZones[].State", "AvailabilityZones[].RegionName"],
)
call(
    "ec2.DescribeVpcs (is-default)",
    lambda: ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}]),
    values=["Vpcs[].IsDefault", "Vpcs[].CidrBlock", "Vpcs[].State"],
    keep=lambda a: state.update(vpc=a["Vpcs"][0]["VpcId"]),
)
call(
    "ec2.DescribeSubnets (default-for-az)",
    lambda: ec2.describe_subnets(
        Filters=[{"Name": "default-for-az", "Values": ["true"]}, {"Name": "vpc-id", "Values": [state["vpc"]]}]
    ),
    values=["Subnets[].DefaultForAz", "Subnets[].MapPublicIpOnLaunch", "Subnets[].State"],
    derive=lambda a: {"zones": sorted(s["AvailabilityZone"] for s in a["Subnets"])},
    keep=lambda a: state.update(
        subnets={s["AvailabilityZone"]: s["SubnetId"] for s in a["Subnets"]},
        zones=sorted(s["AvailabilityZone"] for s in a["Subnets"]),
    ),
)
call("ec2.DescribeVpcs (no such id)", lambda: ec2.describe_vpcs(VpcIds=["vpc-0123456789abcdef0"]))
call("ec2.DescribeSubnets (no such id)", lambda: ec2.describe_subnets(SubnetIds=["subnet-0123456789abcdef0"]))
call(
    "ec2.DescribeSecurityGroups (default)",
    lambda: ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}, {"Name": "vpc-id", "Values": [state["vpc"]]}]),
    values=["SecurityGroups[].GroupName", "SecurityGroups[].Description"],
    keep=lambda a: state.update(default_group=a["SecurityGroups"][0]["GroupId"]),
)
call(
    "ec2.CreateSecurityGroup",
    lambda: ec2.create_security_group(GroupName="diff-web", Description="web servers", VpcId=state["vpc"]),
    keep=lambda a: state.update(group=a["GroupId"]),
)
call(
    "ec2.CreateSecurityGroup (duplicate)",
    lambda: ec2.create_security_group(GroupName="diff-web", Description="again", VpcId=state["vpc"]),
)
rule = [{"IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8000, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]
call(
    "ec2.AuthorizeSecurityGroupIngress",
    lambda: ec2.authorize_security_group_ingress(GroupId=state["group"], IpPermissions=rule),
    values=["Return", "SecurityGroupRules[].IsEgress", "SecurityGroupRules[].FromPort"],
)
call(
    "ec2.AuthorizeSecurityGroupIngress (duplicate)",
    lambda: ec2.authorize_security_group_ingress(GroupId=state["group"], IpPermissions=rule),
)
call(
    "ec2.DescribeSecurityGroups (by id)",
    lambda: ec2.describe_security_groups(GroupIds=[state["group"]]),
    values=[
        "SecurityGroups[].GroupName",
        "SecurityGroups[].IpPermissions",
        "SecurityGroups[].IpPermissionsEgress",
    ],
)
call("ec2.DescribeSecurityGroups (no such id)", lambda: ec2.describe_security_groups(GroupIds=["sg-0123456789abcdef0"]))
call(
    "ec2.RevokeSecurityGroupIngress",
    lambda: ec2.revoke_security_group_ingress(GroupId=state["group"], IpPermissions=rule),
    values=["Return"],
)
call("ec2.DeleteSecurityGroup (default)", lambda: ec2.delete_security_group(GroupId=state["default_group"]))
call("ec2.DeleteSecurityGroup", lambda: ec2.delete_security_group(GroupId=state["group"]))
call("ec2.DeleteSecurityGroup (gone)", lambda: ec2.delete_security_group(GroupId=state["group"]))
call("ec2.DescribeImages (no such id)", lambda: ec2.describe_images(ImageIds=["ami-0fffffffffffffff0"]))
call(
    "ec2.DescribeImages (Amazon Linux 2023)",
    lambda: ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": ["al2023-ami-2023*x86_64"]}]),
    # moto knows several releases of Amazon Linux 2023; what they share is compared.
    derive=lambda a: {
        "states": sorted({i["State"] for i in a["Images"]}),
        "public": sorted({i["Public"] for i in a["Images"]}),
        "owner aliases": sorted({i.get("ImageOwnerAlias") for i in a["Images"]}),
        "architectures": sorted({i["Architecture"] for i in a["Images"]}),
    },
    keep=lambda a: state.update(image=a["Images"][0]["ImageId"] if a["Images"] else None),
)

# --- EC2: launch templates and instances (launched by an Auto Scaling group: no RunInstances here) --

template_data = {
    "ImageId": state.get("image") or "ami-0abcdef1234567890",
    "InstanceType": "t3.micro",
    "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 2, "HttpEndpoint": "enabled"},
}
call(
    "ec2.CreateLaunchTemplate",
    lambda: ec2.create_launch_template(LaunchTemplateName="diff-lt", LaunchTemplateData=template_data),
    values=["LaunchTemplate.LaunchTemplateName", "LaunchTemplate.LatestVersionNumber"],
)
call(
    "ec2.DescribeLaunchTemplateVersions",
    lambda: ec2.describe_launch_template_versions(LaunchTemplateName="diff-lt"),
    values=[
        "LaunchTemplateVersions[].LaunchTemplateData.MetadataOptions",
        "LaunchTemplateVersions[].LaunchTemplateData.InstanceType",
        "LaunchTemplateVersions[].DefaultVersion",
    ],
)
call(
    "autoscaling.CreateAutoScalingGroup",
    lambda: autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="diff-asg",
        LaunchTemplate={"LaunchTemplateName": "diff-lt", "Version": "$Default"},
        MinSize=1,
        MaxSize=1,
        DesiredCapacity=1,
        VPCZoneIdentifier=state["subnets"][state["zones"][0]],
    ),
)
call(
    "ec2.DescribeInstances (MetadataOptions)",
    lambda: ec2.describe_instances(Filters=[{"Name": "tag:aws:autoscaling:groupName", "Values": ["diff-asg"]}]),
    values=[
        "Reservations[].Instances#",
        "Reservations[].Instances[].MetadataOptions.HttpTokens",
        "Reservations[].Instances[].MetadataOptions.HttpPutResponseHopLimit",
        "Reservations[].Instances[].Placement.AvailabilityZone",
    ],
    derive=lambda a: {
        "in the group's subnet": [i.get("SubnetId") for r in a["Reservations"] for i in r["Instances"]]
        == [state["subnets"][state["zones"][0]]],
    },
)

if LOCAL_CLOUD:
    urllib.request.urlopen(
        urllib.request.Request(f"{ENDPOINT}/_localcloud/clock/advance", data=b'{"ms": 60000}', method="POST")
    ).read()
call(
    "ec2.DescribeInstanceStatus",
    lambda: ec2.describe_instance_status(IncludeAllInstances=True),
    values=["InstanceStatuses#"],
)
call(
    "ec2.DescribeTags (instance)",
    lambda: ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["instance"]}, {"Name": "key", "Values": ["aws:autoscaling:groupName"]}]),
    values=["Tags[].Value", "Tags[].ResourceType"],
    keep=lambda a: state.update(instance=a["Tags"][0]["ResourceId"] if a["Tags"] else None),
)
call("ec2.DescribeInstances (no such id)", lambda: ec2.describe_instances(InstanceIds=["i-0123456789abcdef0"]))
call("ec2.DescribeInstances (malformed id)", lambda: ec2.describe_instances(InstanceIds=["web-1"]))

# --- ELBv2 ------------------------------------------------------------------------------------------

call(
    "elbv2.CreateTargetGroup",
    lambda: elbv2.create_target_group(Name="diff-tg", Protocol="HTTP", Port=8000, VpcId=state["vpc"]),
    values=["TargetGroups[].Port", "TargetGroups[].Protocol", "TargetGroups[].TargetType"],
    keep=lambda a: state.update(tg=a["TargetGroups"][0]["TargetGroupArn"]),
)
call(
    "elbv2.CreateTargetGroup (no such VPC)",
    lambda: elbv2.create_target_group(Name="diff-lost", Protocol="HTTP", Port=80, VpcId="vpc-0123456789abcdef0"),
)
call(
    "elbv2.ModifyTargetGroupAttributes (unknown key)",
    lambda: elbv2.modify_target_group_attributes(
        TargetGroupArn=state["tg"], Attributes=[{"Key": "no.such.key", "Value": "1"}]
    ),
)
call(
    "elbv2.ModifyTargetGroupAttributes",
    lambda: elbv2.modify_target_group_attributes(
        TargetGroupArn=state["tg"], Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}]
    ),
)
call(
    "elbv2.CreateLoadBalancer",
    lambda: elbv2.create_load_balancer(Name="diff-alb", Subnets=[state["subnets"][z] for z in state["zones"][:2]]),
    values=["LoadBalancers[].State.Code", "LoadBalancers[].Type", "LoadBalancers[].Scheme"],
    derive=lambda a: {
        "zones are the subnets'": sorted([z["ZoneName"], z["SubnetId"]] for z in a["LoadBalancers"][0]["AvailabilityZones"])
        == [[zone, state["subnets"][zone]] for zone in state["zones"][:2]],
    },
)
call(
    "elbv2.CreateLoadBalancer (no such subnet)",
    lambda: elbv2.create_load_balancer(Name="diff-bad", Subnets=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]),
)
call(
    "elbv2.RegisterTargets",
    lambda: elbv2.register_targets(TargetGroupArn=state["tg"], Targets=[{"Id": state["instance"]}]),
)
call(
    "elbv2.DescribeTargetHealth",
    lambda: elbv2.describe_target_health(TargetGroupArn=state["tg"]),
    values=["TargetHealthDescriptions[].Target.Port"],
)
call(
    "elbv2.RegisterTargets (no such instance)",
    lambda: elbv2.register_targets(TargetGroupArn=state["tg"], Targets=[{"Id": "i-0123456789abcdef0"}]),
)
call("elbv2.DescribeTargetGroups (no such name)", lambda: elbv2.describe_target_groups(Names=["diff-none"]))
call("elbv2.DescribeLoadBalancers (no such name)", lambda: elbv2.describe_load_balancers(Names=["diff-none"]))
call(
    "elbv2.DescribeTargetGroupAttributes",
    lambda: elbv2.describe_target_group_attributes(TargetGroupArn=state["tg"]),
    derive=lambda a: {
        "deregistration delay": {i["Key"]: i["Value"] for i in a["Attributes"]}.get("deregistration_delay.timeout_seconds"),
    },
)

print(json.dumps(results, indent=1, sort_keys=True, default=str))

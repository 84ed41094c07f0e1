// Where the local cloud knowingly answers outside botocore's model, and why. A contract problem is
// forgiven only when it is listed here; each entry says what AWS does that the model does not say.

export interface Deviation {
  readonly service: string;
  readonly operation: string;
  /** Matches the problem text validate.ts reports. */
  readonly problem: RegExp;
  readonly reason: string;
}

export const deviations: readonly Deviation[] = [
  {
    service: 'codedeploy',
    operation: 'GetDeploymentConfig',
    problem: /minimumHealthyHosts\.type: "MOST_CONCURRENCY" is not one of HOST_COUNT, FLEET_PERCENT/,
    reason:
      "AWS returns MOST_CONCURRENCY/1 for CodeDeployDefault.OneAtATime, as the model's own MinimumHealthyHosts documentation says, although the enum lacks it; clients must cope with it on AWS too.",
  },
];

/** Errors an operation answers with that its model does not list. */
export interface ErrorDeviation {
  readonly service: string;
  readonly operation: string;
  readonly code: string;
  readonly reason: string;
}

export const errorDeviations: readonly ErrorDeviation[] = [
  {
    service: 'codedeploy',
    operation: 'ListDeploymentTargets',
    code: 'InvalidTargetFilterNameException',
    reason:
      "The API reference (and the reference spec, section 2.4) list it for ListDeploymentTargets, whose targetFilters map is the only input with filter names; awscli 2.9.19's model lists it for ListDeploymentInstances only, which takes no filter names.",
  },
];

export function unexplained(service: string, operation: string, problems: readonly string[]): string[] {
  return problems.filter(
    (problem) =>
      !deviations.some((d) => d.service === service && d.operation === operation && d.problem.test(problem)),
  );
}

export function allowedErrors(service: string, operation: string): string[] {
  return errorDeviations.filter((d) => d.service === service && d.operation === operation).map((d) => d.code);
}

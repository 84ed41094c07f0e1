import type { PlannedJob, RequiredStatus, WorkflowPlan } from './model.js';

/** How a job of the plan ended. `not_run`: it never started because a requirement was not met. */
export type JobOutcome = 'success' | 'failed' | 'canceled' | 'not_run';

export interface NextJobs {
  /** Jobs whose every requirement ended in a status it accepts: start them (an approval: ask). */
  readonly ready: readonly PlannedJob[];
  /** Jobs that can never start: a requirement ended in a status it does not accept. */
  readonly blocked: readonly PlannedJob[];
}

/**
 * Which jobs of `plan` can start now, given how the finished ones ended. A job requiring `success`
 * (the default) of one that failed never runs; CircleCI shows it as not run, and so should the
 * caller, by recording `not_run` for each `blocked` job and asking again. A job still on hold
 * (an approval nobody approved) has no outcome, so what requires it stays waiting.
 */
export function nextJobs(plan: WorkflowPlan, outcomes: ReadonlyMap<string, JobOutcome>): NextJobs {
  const ready: PlannedJob[] = [];
  const blocked: PlannedJob[] = [];
  for (const job of plan.jobs) {
    if (outcomes.has(job.name)) continue;
    let waiting = false;
    let impossible = false;
    for (const requirement of job.requires) {
      const outcome = outcomes.get(requirement.job);
      if (outcome === undefined) waiting = true;
      else if (!requirement.statuses.some((status) => accepts(status, outcome))) impossible = true;
    }
    if (impossible) blocked.push(job);
    else if (!waiting) ready.push(job);
  }
  return { ready, blocked };
}

function accepts(status: RequiredStatus, outcome: JobOutcome): boolean {
  return status === 'terminal' || status === outcome;
}

// CircleCI's serial groups across pipelines, as its documentation describes them
// (https://circleci.com/docs/guides/orchestrate/controlling-serial-execution-across-your-organization/
// and the job groups changelog): jobs with the same `serial-group` value share one lock and a
// first-in, first-out queue; a job of an older pipeline that tries to start while a newer pipeline's
// job of the group waits or runs is skipped (it ends "not run"); and a job group invoked with
// `serial-group` takes the lock as one unit, from its first job's start until its last job has ended.

/** A job that asks for its serial group's lock. */
export interface SerialRequest {
  readonly pipeline: number;
  readonly job: string;
  readonly serialGroup: string | undefined;
  /** What holds the lock: the job group it runs in, or the job itself. */
  readonly unit: string;
}

export type Admission =
  | { readonly kind: 'start' }
  | { readonly kind: 'wait'; readonly behind: string }
  | { readonly kind: 'skip'; readonly reason: string };

interface Place {
  readonly pipeline: number;
  readonly unit: string;
  readonly job: string;
}

const describe = (place: Place) => `pipeline ${place.pipeline}'s ${place.job}`;

export class SerialGroups {
  private readonly holders = new Map<string, Place>();
  private readonly queues = new Map<string, Place[]>();

  /**
   * A job that is ready asks to start: it starts when its group's lock is free (or its own job group
   * holds it) and nobody queued before it; waits behind the holder otherwise; and is skipped when a
   * newer pipeline's job of the group already waits or runs.
   */
  request(request: SerialRequest): Admission {
    const key = request.serialGroup;
    if (key === undefined) return { kind: 'start' };
    const holder = this.holders.get(key);
    if (holder && holder.pipeline === request.pipeline && holder.unit === request.unit)
      return { kind: 'start' };
    const queue = this.queues.get(key) ?? [];
    const newer = [holder, ...queue].find(
      (place) => place !== undefined && place.pipeline > request.pipeline,
    );
    if (newer) {
      this.leaveQueue(key, request);
      return {
        kind: 'skip',
        reason: `serial group ${key}: ${describe(newer)}, of a newer pipeline, ${newer === holder ? 'runs' : 'waits'}, so this older job does not run`,
      };
    }
    const place = { pipeline: request.pipeline, unit: request.unit, job: request.job };
    const first = queue.find((p) => !this.sameUnit(p, request));
    if (holder || first) {
      if (!queue.some((p) => this.sameUnit(p, request))) this.queues.set(key, [...queue, place]);
      return { kind: 'wait', behind: describe(holder ?? (first as Place)) };
    }
    this.leaveQueue(key, request);
    this.holders.set(key, place);
    return { kind: 'start' };
  }

  /**
   * Joins the queue of a held lock without taking a free one: what a job that became ready while
   * another job ran does (the caller runs one job at a time; a free lock is taken on `request`).
   */
  queueIfHeld(request: SerialRequest): void {
    const key = request.serialGroup;
    if (key === undefined) return;
    const holder = this.holders.get(key);
    if (!holder || (holder.pipeline === request.pipeline && holder.unit === request.unit)) return;
    const queue = this.queues.get(key) ?? [];
    if (!queue.some((p) => this.sameUnit(p, request)))
      this.queues.set(key, [...queue, { pipeline: request.pipeline, unit: request.unit, job: request.job }]);
  }

  /** The unit (a job, or a job group whose every job has ended) lets its lock go. */
  release(pipeline: number, unit: string): void {
    for (const [key, holder] of this.holders) {
      if (holder.pipeline === pipeline && holder.unit === unit) this.holders.delete(key);
    }
    for (const [key, queue] of this.queues) {
      this.queues.set(
        key,
        queue.filter((p) => !(p.pipeline === pipeline && p.unit === unit)),
      );
    }
  }

  private sameUnit(place: Place, request: SerialRequest): boolean {
    return place.pipeline === request.pipeline && place.unit === request.unit;
  }

  private leaveQueue(key: string, request: SerialRequest): void {
    const queue = this.queues.get(key);
    if (queue)
      this.queues.set(
        key,
        queue.filter((p) => !this.sameUnit(p, request)),
      );
  }
}

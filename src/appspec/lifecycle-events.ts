// The lifecycle events of an EC2/on-premises deployment (reference spec §3.4): greenlight's one list,
// by phase, that the appspec checks, the verification rules and the CLI derive theirs from. In-place
// and blue/green deployments run the same events (blue/green splits them between the replacement and
// the original instances), so which names an appspec may use depends on the compute platform, not the
// style.

/** Installing a revision on an instance, in order. */
export const INSTALL_EVENTS = [
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
] as const;

/** Putting an instance into its target groups, in order. */
export const ALLOW_TRAFFIC_EVENTS = ['BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'] as const;

/** Taking an instance out of its target groups, in order. */
export const BLOCK_TRAFFIC_EVENTS = ['BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic'] as const;

/** Every event, in the order a replacement instance runs them, then an original one. */
export const LIFECYCLE_EVENTS = [
  ...INSTALL_EVENTS,
  ...ALLOW_TRAFFIC_EVENTS,
  ...BLOCK_TRAFFIC_EVENTS,
] as const;

export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

/** Events CodeDeploy or the agent performs itself; an appspec cannot attach scripts to them. */
export const RESERVED_EVENTS = ['DownloadBundle', 'Install', 'AllowTraffic', 'BlockTraffic'] as const;

type ReservedEvent = (typeof RESERVED_EVENTS)[number];

/** Events that run scripts from the appspec's `hooks`. */
export type HookEvent = Exclude<LifecycleEvent, ReservedEvent>;

export function isReservedEvent(name: string): name is ReservedEvent {
  return (RESERVED_EVENTS as readonly string[]).includes(name);
}

/** Events that run scripts from the appspec's `hooks`, in the order a replacement instance runs them. */
export const HOOK_EVENTS: readonly HookEvent[] = LIFECYCLE_EVENTS.filter(
  (event): event is HookEvent => !isReservedEvent(event),
);

/** The hooks an instance runs to install a revision, before any traffic moves to it. */
export const INSTALL_HOOK_EVENTS: readonly HookEvent[] = HOOK_EVENTS.filter((event) =>
  (INSTALL_EVENTS as readonly string[]).includes(event),
);

/** Events only ECS appspecs have. */
export const ECS_ONLY_EVENTS = ['BeforeAllowTestTraffic', 'AfterAllowTestTraffic'] as const;

export function isHookEvent(name: string): name is HookEvent {
  return (HOOK_EVENTS as readonly string[]).includes(name);
}

/** The agent's hard limit on one lifecycle event, and its default per-script timeout. */
export const MAX_EVENT_SECONDS = 3600;

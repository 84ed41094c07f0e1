// The lifecycle events of an EC2/on-premises deployment (reference spec §3.4). In-place and blue/green
// deployments run the same set of events (blue/green splits them between the replacement and the
// original instances), so which names an appspec may use depends on the compute platform, not the style.

/** Events that run scripts from the appspec's `hooks`, in the order a replacement instance runs them. */
export const HOOK_EVENTS = [
  'ApplicationStop',
  'BeforeInstall',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
  'BeforeBlockTraffic',
  'AfterBlockTraffic',
] as const;

export type HookEvent = (typeof HOOK_EVENTS)[number];

/** Events CodeDeploy or the agent performs itself; an appspec cannot attach scripts to them. */
export const RESERVED_EVENTS = ['DownloadBundle', 'Install', 'BlockTraffic', 'AllowTraffic'] as const;

/** Events only ECS appspecs have. */
export const ECS_ONLY_EVENTS = ['BeforeAllowTestTraffic', 'AfterAllowTestTraffic'] as const;

export function isHookEvent(name: string): name is HookEvent {
  return (HOOK_EVENTS as readonly string[]).includes(name);
}

export function isReservedEvent(name: string): boolean {
  return (RESERVED_EVENTS as readonly string[]).includes(name);
}

/** The agent's hard limit on one lifecycle event, and its default per-script timeout. */
export const MAX_EVENT_SECONDS = 3600;

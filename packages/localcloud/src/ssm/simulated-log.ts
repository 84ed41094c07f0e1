// A synthetic instance's scripts.log: what the real agent would have written to
// <deployment root>/<group id>/<deployment id>/logs/scripts.log for the events the synthetic agent
// acted out, so that SSM Run Command can read it (read-only-shell.ts). Consistent with what
// CodeDeploy reports: a failed event's entries are exactly its diagnostic's log tail (stamped, as
// the agent stamps each line of the file); an event that succeeded ran its simulated script
// (`hooks/<event>.sh`, as the synthetic agent names it in a failure) and said so on stdout; an event
// with nothing to run (a reserved event, ApplicationStop on an instance that never had a revision)
// writes nothing, as the real agent writes nothing for it.
import { DEPLOYMENT_ROOT } from '../agent/real-agent.js';
import { scriptsLogStamp } from '../agent/script-log.js';
import type { Agent, AgentEventRequest, AgentEventResult } from '../codedeploy/agent.js';
import { reservedEvents } from '../codedeploy/lifecycle.js';
import { syntheticScriptLocation } from '../codedeploy/synthetic-agent.js';
import type { Scheduler } from '../ports.js';
import type { SimulatedFiles } from './simulated-files.js';

export function scriptsLogPath(deploymentGroupId: string, deploymentId: string): string {
  return `${DEPLOYMENT_ROOT}/${deploymentGroupId}/${deploymentId}/logs/scripts.log`;
}

/** The entries (without stamps) the agent would have written for one event the synthetic agent ran. */
export function simulatedEntries(request: AgentEventRequest, result: AgentEventResult): string[] {
  const { event } = request;
  const tail = result.diagnostics.logTail;
  if (tail !== '') return tail.replace(/\n$/, '').split('\n');
  if (result.status !== 'Succeeded' || reservedEvents.has(event)) return [];
  if (event === 'ApplicationStop' && request.lastRevisionOnInstance === undefined) return [];
  const location = syntheticScriptLocation(event);
  return [`LifecycleEvent - ${event}`, `Script - ${location}`, `[stdout]running ${event}`];
}

/** The synthetic agent, writing each event's entries to the instance's simulated scripts.log. */
export function recordingScriptsLog(agent: Agent, files: SimulatedFiles, scheduler: Scheduler): Agent {
  return {
    runEvent: async (request, signal) => {
      const result = await agent.runEvent(request, signal);
      const entries = signal.aborted ? [] : simulatedEntries(request, result);
      if (entries.length > 0) {
        const stamp = scriptsLogStamp(scheduler.now());
        const { deploymentGroupId, deploymentId } = request.deployment;
        files.append(
          request.instance.instanceId,
          scriptsLogPath(deploymentGroupId, deploymentId),
          entries.map((entry) => `${stamp}${entry}\n`).join(''),
        );
      }
      return result;
    },
  };
}

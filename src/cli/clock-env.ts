// GREENLIGHT_CLOCK: the command's Clock on a local cloud's accelerated time (a rehearsal runs a
// 30-minute bake, a 60-minute Ready wait and a deployment's timeouts in seconds). Against real AWS it
// would be a lie: a bake would pass after 30 s of watching. So it is refused unless every endpoint
// the SDK clients would call is on this machine.
import { acceleratedClock, parseClockSpec, type Clock } from '../clock.js';
import { clientConfig } from '../aws/clients.js';
import { isLoopbackEndpoint } from '../aws/endpoint.js';
import { UsageError } from './errors.js';

export const CLOCK_VARIABLE = 'GREENLIGHT_CLOCK';

type Service = Parameters<typeof clientConfig>[0];
/** Every client createAwsClients builds (src/aws/clients.ts). */
const SERVICES: readonly Service[] = ['codedeploy', 'autoscaling', 'elbv2', 'ec2', 'cloudwatch', 's3', 'sts'];

/**
 * The Clock GREENLIGHT_CLOCK asks for, or undefined when it is not set. A malformed value, or one set
 * while any AWS endpoint is not a loopback address, is a UsageError (exit 2) naming the variable.
 * `wall` is the system clock unless a test moves its own.
 */
export function clockFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  wall?: Clock,
): Clock | undefined {
  const value = env[CLOCK_VARIABLE];
  if (value === undefined || value.trim() === '') return undefined;
  const spec = parseClockSpec(value);
  for (const service of SERVICES) {
    const endpoint = clientConfig(service, {}, env).endpoint;
    if (endpoint === undefined || !isLoopbackEndpoint(endpoint)) {
      const where = endpoint === undefined ? 'AWS itself (no endpoint is configured)' : endpoint;
      throw new UsageError(
        `${CLOCK_VARIABLE} is set (AWS time ${spec.timeScale}× faster than the wall clock) but ${service} would call ${where}: ` +
          'an accelerated clock is only for a local cloud (against AWS a 30-minute bake would pass in seconds); ' +
          `point AWS_ENDPOINT_URL at the local cloud (127.0.0.1, ::1 or localhost), or unset ${CLOCK_VARIABLE}`,
      );
    }
  }
  return acceleratedClock(spec, wall);
}

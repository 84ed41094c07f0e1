import type { AwsClients } from './aws/clients.js';
import type { Clock } from './clock.js';
import type { Logger } from './log/events.js';

// What every operation of the library is handed instead of reaching for globals: the clients it may
// talk to, the clock its loops wait on, and where it says what it does. The CLI builds them from its
// context; a program using greenlight as a library builds its own (createAwsClients, systemClock, an
// Output or any Logger).

/** SDK clients, each built the first time it is asked for (createAwsClients makes them so). */
export type AwsClientSource = Omit<AwsClients, 'destroy'>;

export interface Deps {
  readonly aws: AwsClientSource;
  readonly clock: Clock;
  readonly logger: Logger;
}

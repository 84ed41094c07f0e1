// Where an endpoint is, told from its URL alone (no imports: the CLI's argument parsers use it at
// start-up, to pick the poll interval, and the client factory, to pick the retry backoff).

const LOOPBACK = /^(localhost|.+\.localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

/** Whether an endpoint is on this machine (the local cloud, or another emulator), not a network away. */
export function isLoopbackEndpoint(url: string): boolean {
  try {
    return LOOPBACK.test(new URL(url).hostname);
  } catch {
    return false;
  }
}

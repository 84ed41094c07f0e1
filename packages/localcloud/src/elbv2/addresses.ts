// Each load balancer's own loopback address: its DNSName, and where its listeners are bound. With one
// address for every load balancer, two listeners on port 80 collide and the second one's traffic is
// answered by the first (a false pass); with one address each, port 80 is free on every one of them.
import { randomInt } from 'node:crypto';

export interface LoadBalancerAddresses {
  next(): string;
  /** The address of a deleted load balancer: handed out again only once no fresh one is left. */
  release(address: string): void;
}

/**
 * Hands out 127.<a>.<b>.<c> upward from a random 127.<a>.<b>.1 (random, not seeded: two local clouds
 * on one host, tests in parallel, must not bind the same address and port). Addresses are counted on
 * across a reset, so a listener still closing cannot hold the port a new load balancer asks for.
 */
export function createLoadBalancerAddresses(
  base: readonly [number, number] = [randomInt(1, 255), randomInt(0, 256)],
): LoadBalancerAddresses {
  const [first, second] = base;
  let counter = 0;
  const released: string[] = [];
  return {
    next() {
      // 254 hosts per /24 (…1 … …254), on through the /16 after the base; 127.x.y.255 is never used.
      const x = second + Math.floor(counter / 254);
      if (x <= 255) return `127.${first}.${x}.${1 + (counter++ % 254)}`;
      const reused = released.shift();
      if (reused === undefined)
        throw new Error('the local cloud ran out of loopback addresses for load balancers');
      return reused;
    },
    release(address) {
      released.push(address);
    },
  };
}

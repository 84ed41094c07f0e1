// tier: e2e
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startLocalCloud, type RunningLocalCloud } from '../../src/server.js';
import { realWorld, SANDBOXES, withSandbox } from '../real/real-cloud.js';

// The local cloud answers only on loopback: every socket it listens on (the API server, load
// balancer listeners and their spare pool, each real instance's metadata endpoint, and anything the
// instances' processes open) is bound to 127.x, never 0.0.0.0 or ::.

/** This process and every process below it, by pid. */
function processTree(root: number): Set<number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // `pid (comm) state ppid …`; comm may hold spaces and parentheses, so read after the last ")".
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // The process ended while we looked.
    }
  }
  const tree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return tree;
}

/** Listening TCP sockets of the given processes: local address and port, from `ss -ltnpH`. */
function listeningSockets(pids: Set<number>): { address: string; port: number; pid: number }[] {
  const out = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' });
  const sockets: { address: string; port: number; pid: number }[] = [];
  for (const line of out.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const local = fields[3];
    if (!local) continue;
    const colon = local.lastIndexOf(':');
    const address = local.slice(0, colon).replace(/^\[|\]$/g, '');
    const port = Number(local.slice(colon + 1));
    for (const match of line.matchAll(/pid=(\d+)/g)) {
      const pid = Number(match[1]);
      if (pids.has(pid)) sockets.push({ address, port, pid });
    }
  }
  return sockets;
}

const isLoopback = (address: string): boolean => /^127\./.test(address) || /^::ffff:127\./.test(address);

for (const sandbox of SANDBOXES)
  describe(`the local cloud listens on loopback only (${sandbox})`, () => {
    let cloud: RunningLocalCloud;

    before(async () => {
      // A real fleet: sandboxes, their metadata endpoints and a listener on a free port.
      cloud = await withSandbox(sandbox, () =>
        startLocalCloud({ timeScale: 1000, world: realWorld({ instances: 2 }) }),
      );
    });

    after(async () => {
      await cloud.close();
    });

    it('every listening socket of the cloud and its instances is bound to 127.x', async () => {
      const instances = cloud.cloud.instances;
      assert.equal(instances.all().length, 2, 'both real instances have a sandbox');
      await Promise.all(instances.all().map((instance) => instance.ready()));
      const sockets = listeningSockets(processTree(process.pid));
      assert.ok(
        sockets.some((s) => s.port === cloud.port),
        `the API server's port is among them: ${JSON.stringify(sockets)}`,
      );
      // The server, the listener, and one metadata endpoint per instance on its own loopback address.
      assert.ok(sockets.length >= 4, `all were found: ${JSON.stringify(sockets)}`);
      assert.ok(
        new Set(sockets.map((s) => s.address)).size >= 3,
        `the instances' own addresses: ${JSON.stringify(sockets)}`,
      );
      const exposed = sockets.filter((s) => !isLoopback(s.address));
      assert.deepEqual(exposed, [], 'sockets bound beyond loopback');
    });
  });

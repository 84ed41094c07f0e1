// tier: integration
// Asking an instance which version it serves, over real HTTP on loopback: an endpoint that trickles
// (headers, then a byte now and then, never done) ends at the probe's total deadline, and a signal
// ends a probe at once. Outcomes only: the endpoint never finishes, whatever the machine's speed.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { askVersion } from '../../src/verify/served-version.js';

describe('asking for the served version', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/good') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'pass', version: 'abc1234' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{');
      const drip = setInterval(() => res.write(' '), 20);
      res.on('close', () => clearInterval(drip));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads the version of a complete answer', async () => {
    const answer = await askVersion(`${base}/good`, { timeoutMs: 60_000 });
    assert.equal(answer.version, 'abc1234');
  });

  it('a trickling endpoint ends at the total deadline, not at an idle timeout', async () => {
    const answer = await askVersion(`${base}/trickle`, { timeoutMs: 300 });
    assert.equal(answer.version, undefined);
    assert.match(answer.error ?? '', /no complete answer within 300 ms/);
  });

  it('a signal ends a probe at once', async () => {
    const controller = new AbortController();
    const pending = askVersion(`${base}/trickle`, { timeoutMs: 600_000, signal: controller.signal });
    controller.abort('SIGTERM');
    const answer = await pending;
    assert.equal(answer.error, 'cancelled');
  });
});

// {{app}}: written by greenlight init because {{entry}} did not exist. It keeps the contract the hooks
// rely on (hooks/README.md, "What the app must do"); grow it into your app, or replace it with yours
// and keep the contract.
//
// Environment (systemd reads it from {{envDir}}/env, which the AfterInstall hook writes):
//   APP_VERSION  the deployed revision (the Git commit, or the bundle's REVISION file)
//   HOST, PORT   where to listen: the instance's private IP and {{port}}
//   DRAIN_FILE   while it exists, {{healthPath}} answers 503 so the load balancer stops sending requests
{{#esm}}
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
{{/esm}}
{{^esm}}
const { existsSync } = require('node:fs');
const { createServer } = require('node:http');
{{/esm}}

const version = process.env.APP_VERSION || 'unknown';
const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || '{{port}}');
const drainFile = process.env.DRAIN_FILE || '{{runDir}}/draining';
// SIGTERM lets requests in flight finish for this long; the unit's TimeoutStopSec (30 s) is longer.
const shutdownGraceMs = 20_000;

let inFlight = 0;
let stopping = false;

const server = createServer((req, res) => {
  inFlight += 1;
  res.on('close', () => {
    inFlight -= 1;
    if (stopping) server.closeIdleConnections();
  });
  const send = (status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(`${JSON.stringify(body)}\n`);
  };
  const path = new URL(req.url ?? '/', 'http://app').pathname;
  if (path === '{{healthPath}}') {
    const datetime = new Date().toISOString();
    if (stopping || existsSync(drainFile)) {
      // Draining: 503, and how many requests besides this one are still in flight.
      send(503, { status: 'fail', version, datetime, inFlight: inFlight - 1 });
    } else {
      send(200, { status: 'pass', version, datetime });
    }
    return;
  }
  if (path === '/') {
    send(200, { app: '{{app}}', version });
    return;
  }
  send(404, { error: `no such page: ${path}` });
});

server.listen(port, host, () => console.log(`{{app}}: listening on http://${host}:${port} (version ${version})`));

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`{{app}}: ${signal}, finishing ${inFlight} requests in flight`);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), shutdownGraceMs).unref();
  });
}

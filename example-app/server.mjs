#!/usr/bin/env node
// The web app greenlight's demo deploys. Plain ESM with no dependencies: it runs with the instance's
// own `node`, straight from /opt/web, with no build step.
//
// Environment (systemd reads it from /etc/web/env, which the AfterInstall hook writes):
//   APP_VERSION        the revision being served (the Git commit, or the bundle's REVISION file)
//   HOST               address to bind (default 0.0.0.0; the hooks write the instance's private IP)
//   PORT               port to bind (default 8000; 0 picks a free one, logged on start)
//   DRAIN_FILE         while this file exists, /healthcheck answers 503 so the load balancer stops
//                      sending new requests (default /run/web/draining; see hooks/before-block-traffic.sh)
//   SHUTDOWN_GRACE_MS  how long SIGTERM waits for in-flight requests before closing them (default 20000,
//                      below the unit's TimeoutStopSec so systemd never has to SIGKILL)

import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { setTimeout } from 'node:timers';

const MAX_WORK_MS = 30_000;

function readConfig(env) {
  const port = Number(env.PORT ?? '8000');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a whole number from 0 to 65535, not ${JSON.stringify(env.PORT)}`);
  }
  const grace = Number(env.SHUTDOWN_GRACE_MS ?? '20000');
  if (!Number.isInteger(grace) || grace < 0) {
    throw new Error(`SHUTDOWN_GRACE_MS must be a whole number of milliseconds, not ${env.SHUTDOWN_GRACE_MS}`);
  }
  return {
    host: env.HOST || '0.0.0.0',
    port,
    version: env.APP_VERSION || 'unknown',
    drainFile: env.DRAIN_FILE || '/run/web/draining',
    shutdownGraceMs: grace,
  };
}

// stdout and stderr go to the journal (systemd) or the sandbox's log (local cloud).
function log(text) {
  process.stdout.write(`web: ${text}\n`);
}

function logError(text) {
  process.stderr.write(`web: ${text}\n`);
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(`${JSON.stringify(body)}\n`);
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function homePage(version) {
  const v = escapeHtml(version);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>web ${v}</title></head>
<body>
<h1>web</h1>
<p>Serving version <code id="version">${v}</code>.</p>
<p><a href="/healthcheck">/healthcheck</a></p>
</body>
</html>
`;
}

function main() {
  let config;
  try {
    config = readConfig(process.env);
  } catch (error) {
    logError(error.message);
    process.exitCode = 2;
    return;
  }
  if (config.version === 'unknown') log('APP_VERSION is not set; /healthcheck will report version "unknown"');

  let inFlight = 0;
  let stopping = false;

  const server = createServer((req, res) => {
    inFlight += 1;
    res.on('close', () => {
      inFlight -= 1;
      // An answered keep-alive connection would otherwise hold the stopping server open until it times out.
      if (stopping) server.closeIdleConnections();
    });
    if (stopping) res.setHeader('Connection', 'close');

    const url = new URL(req.url ?? '/', 'http://web');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendJson(res, 405, { error: `method ${req.method} not allowed` });
      return;
    }
    switch (url.pathname) {
      case '/healthcheck': {
        const datetime = new Date().toISOString();
        if (stopping || existsSync(config.drainFile)) {
          // Not counting this health check itself.
          const others = inFlight - 1;
          sendJson(res, 503, {
            status: 'fail',
            version: config.version,
            datetime,
            output: stopping ? 'stopping' : 'draining',
            inFlight: others,
          });
        } else {
          sendJson(res, 200, { status: 'pass', version: config.version, datetime });
        }
        return;
      }
      case '/': {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(homePage(config.version));
        return;
      }
      case '/work': {
        // A stand-in for a slow request, to watch requests drain during a deployment:
        // the headers go out at once, the body when the work is done.
        const ms = Math.min(Math.max(Number(url.searchParams.get('ms')) || 0, 0), MAX_WORK_MS);
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.flushHeaders();
        setTimeout(() => res.end(`worked ${ms} ms on version ${config.version}\n`), ms);
        return;
      }
      default:
        sendJson(res, 404, { error: `no such page: ${url.pathname}` });
    }
  });

  server.on('error', (error) => {
    logError(`cannot listen on ${config.host}:${config.port}: ${error.message}`);
    process.exitCode = 1;
  });

  server.listen(config.port, config.host, () => {
    const address = server.address();
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    log(`listening on http://${host}:${address.port} (version ${config.version})`);
  });

  const stop = (signal) => {
    if (stopping) {
      log(`${signal} again: still waiting for ${inFlight} in-flight requests`);
      return;
    }
    stopping = true;
    server.close(() => log('stopped'));
    server.closeIdleConnections();
    // Said once the listening socket is closed, so whoever reads it can count on new connections failing.
    log(`${signal}: no longer accepting connections, draining ${inFlight} in-flight requests`);
    setTimeout(() => {
      log(`${inFlight} requests still in flight after ${config.shutdownGraceMs} ms; closing them`);
      process.exitCode = 1;
      server.closeAllConnections();
    }, config.shutdownGraceMs).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main();

// tier: e2e
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { get, serverPath, startApp, type RunningApp } from './app.js';

describe('example app', () => {
  let dir: string;
  let app: RunningApp;
  let drainFile: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'greenlight-app-'));
    drainFile = join(dir, 'draining');
    app = await startApp({ APP_VERSION: '3f2a9c1', DRAIN_FILE: drainFile });
  });
  after(async () => {
    app.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it('GET /healthcheck: 200, JSON with status pass, the version from its environment and the time', async () => {
    const answer = await get(app, '/healthcheck');
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'application/json');
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['status', 'version', 'datetime']);
    assert.equal(body.status, 'pass');
    assert.equal(body.version, '3f2a9c1');
    assert.equal(new Date(body.datetime as string).toISOString(), body.datetime);
  });

  it('GET /: an HTML page showing the version', async () => {
    const answer = await get(app, '/');
    assert.equal(answer.status, 200);
    assert.match(String(answer.headers['content-type']), /^text\/html/);
    assert.match(answer.body, /<code id="version">3f2a9c1<\/code>/);
  });

  it('unknown pages: 404; other methods: 405', async () => {
    assert.equal((await get(app, '/nope')).status, 404);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: app.host, port: app.port, path: '/healthcheck', method: 'POST', agent: false },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 405);
  });

  it('while the drain file exists: /healthcheck answers 503 draining with the requests in flight', async () => {
    await writeFile(drainFile, '');
    try {
      const answer = await get(app, '/healthcheck');
      assert.equal(answer.status, 503);
      const body = JSON.parse(answer.body) as Record<string, unknown>;
      assert.equal(body.status, 'fail');
      assert.equal(body.output, 'draining');
      assert.equal(body.version, '3f2a9c1');
      assert.equal(body.inFlight, 0);
    } finally {
      await rm(drainFile);
    }
    assert.equal((await get(app, '/healthcheck')).status, 200);
  });

  it('SIGTERM: stops accepting connections, finishes the request in flight, exits 0', async () => {
    const draining = await startApp({ APP_VERSION: 'v2' });
    try {
      // A slow request whose headers have arrived is in flight on the app's side.
      const slow = await new Promise<{ body: Promise<string> }>((resolve, reject) => {
        const req = request(
          { host: draining.host, port: draining.port, path: '/work?ms=1500', agent: false },
          (res) => {
            let body = '';
            res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
            resolve({ body: new Promise((done, fail) => res.on('end', () => done(body)).on('error', fail)) });
          },
        );
        req.on('error', reject);
        req.end();
      });
      draining.process.kill('SIGTERM');
      await draining.printed(/SIGTERM: no longer accepting connections, draining 1 in-flight requests/);
      await assert.rejects(get(draining, '/healthcheck'), { code: 'ECONNREFUSED' });
      assert.equal(await slow.body, 'worked 1500 ms on version v2\n');
      assert.equal(await draining.exited, 0);
      assert.match(draining.output(), /web: stopped/);
    } finally {
      draining.kill();
    }
  });

  it('refuses a bad PORT with a message and exit code 2', () => {
    const result = spawnSync(process.execPath, [serverPath], {
      env: { PATH: process.env.PATH, PORT: 'eighty' },
      encoding: 'utf8',
    });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /web: PORT must be a whole number from 0 to 65535, not "eighty"/);
  });
});

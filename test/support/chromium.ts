// Headless Chromium driven over the DevTools protocol, with Node's built-ins only: Chromium started
// with --remote-debugging-pipe reads protocol messages on its fd 3 and writes them on its fd 4, each a
// JSON text ended by a NUL byte — no WebSocket (Node 20 has no global one) and no dependency
// (puppeteer-core would bring a WebSocket library and its own protocol types for the dozen calls
// used here). One page (a target attached in flat mode) is enough for the report's tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { parseDuration } from '../../src/config/duration.js';

/** Debian's `chromium` package (`.ci/run` installs it); CHROMIUM names another binary. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    (p): p is string => Boolean(p),
  );
  return candidates.find((p) => existsSync(p) && spawnSync(p, ['--version']).status === 0);
}

interface Pending {
  resolve(value: Record<string, unknown>): void;
  reject(error: Error): void;
  method: string;
}

type Listener = (params: Record<string, unknown>, sessionId: string | undefined) => void;

export interface Page {
  /** A protocol command on the page's session. */
  send<T = Record<string, unknown>>(method: string, params?: Record<string, unknown>): Promise<T>;
  /** The value of a JavaScript expression evaluated in the page (awaited when it is a promise). */
  evaluate<T>(expression: string): Promise<T>;
  /** Navigates and resolves once the page's load event fired. */
  load(url: string): Promise<void>;
  /** Every event of this kind the page has sent so far. */
  events(method: string): Record<string, unknown>[];
}

export interface Chromium {
  readonly version: string;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(binary: string, options: { within?: string } = {}): Promise<Chromium> {
  const within = parseDuration(options.within ?? '60s');
  const profile = await mkdtemp(join(tmpdir(), 'greenlight-chromium-'));
  const child: ChildProcess = spawn(
    binary,
    [
      '--headless',
      '--remote-debugging-pipe',
      // Root in a container has no user namespace for Chromium's own sandbox.
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--hide-scrollbars',
      '--mute-audio',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const toBrowser = child.stdio[3] as Writable;
  const fromBrowser = child.stdio[4] as Readable;
  const pending = new Map<number, Pending>();
  const listeners = new Set<Listener & { method: string }>();
  let nextId = 1;
  let buffer = Buffer.alloc(0);
  let exited: Error | undefined;
  const fail = (error: Error) => {
    exited ??= error;
    for (const p of pending.values()) p.reject(new Error(`${p.method}: ${error.message}`));
    pending.clear();
  };
  child.on('exit', (code, signal) =>
    fail(new Error(`chromium exited (${signal ?? code ?? '?'}); its last words: ${stderr.trim()}`)),
  );
  child.on('error', (error) => fail(error));
  fromBrowser.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (let end = buffer.indexOf(0); end !== -1; end = buffer.indexOf(0)) {
      const message = JSON.parse(buffer.subarray(0, end).toString('utf8')) as {
        id?: number;
        method?: string;
        params?: Record<string, unknown>;
        result?: Record<string, unknown>;
        error?: { message: string };
        sessionId?: string;
      };
      buffer = buffer.subarray(end + 1);
      if (message.id !== undefined) {
        const p = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) p?.reject(new Error(`${p.method}: ${message.error.message}`));
        else p?.resolve(message.result ?? {});
      } else if (message.method) {
        for (const l of listeners)
          if (l.method === message.method) l(message.params ?? {}, message.sessionId);
      }
    }
  });

  const send = <T>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${method}: no answer from chromium within ${options.within ?? '60s'}`));
      }, within);
      pending.set(id, {
        method,
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  };
  const on = (method: string, listener: Listener): (() => void) => {
    const entry = Object.assign(listener, { method });
    listeners.add(entry);
    return () => listeners.delete(entry);
  };

  const { product } = await send<{ product: string }>('Browser.getVersion');
  return {
    version: product,
    async newPage(): Promise<Page> {
      const { targetId } = await send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
      const { sessionId } = await send<{ sessionId: string }>('Target.attachToTarget', {
        targetId,
        flatten: true,
      });
      const seen: { method: string; params: Record<string, unknown> }[] = [];
      for (const method of ['Network.requestWillBeSent', 'Page.loadEventFired', 'Runtime.exceptionThrown'])
        on(method, (params, from) => {
          if (from === sessionId) seen.push({ method, params });
        });
      const page: Page = {
        send: (method, params) => send(method, params, sessionId),
        async evaluate<T>(expression: string): Promise<T> {
          const out = await send<{ result: { value?: T }; exceptionDetails?: { text: string } }>(
            'Runtime.evaluate',
            { expression, returnByValue: true, awaitPromise: true },
            sessionId,
          );
          if (out.exceptionDetails) throw new Error(`in the page: ${JSON.stringify(out.exceptionDetails)}`);
          return out.result.value as T;
        },
        async load(url: string): Promise<void> {
          const loaded = new Promise<void>((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`${url} did not load within ${options.within ?? '60s'}`)),
              within,
            );
            const off = on('Page.loadEventFired', (_, from) => {
              if (from !== sessionId) return;
              clearTimeout(timer);
              off();
              resolve();
            });
          });
          await send('Page.navigate', { url }, sessionId);
          await loaded;
        },
        events: (method) => seen.filter((e) => e.method === method).map((e) => e.params),
      };
      await page.send('Page.enable');
      await page.send('Network.enable');
      await page.send('Runtime.enable');
      return page;
    },
    async close(): Promise<void> {
      if (!exited) {
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        await send('Browser.close').catch(() => undefined);
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await gone;
        clearTimeout(timer);
      }
      await rm(profile, { recursive: true, force: true });
    },
  };
}

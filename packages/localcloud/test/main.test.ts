// tier: integration
// `greenlight localcloud`: prints where it listens and stops when the signal aborts.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { runLocalCloud } from '../src/main.js';

describe('runLocalCloud', () => {
  it('announces the URL and the AWS_ENDPOINT_URL line, serves, and stops on abort', async () => {
    const controller = new AbortController();
    const stderr = new PassThrough();
    let output = '';
    stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let url = '';
    const running = runLocalCloud({
      port: 0,
      signal: controller.signal,
      stderr,
      onListening: (cloud) => {
        url = cloud.url;
      },
    });
    while (url === '') await new Promise((resolve) => setTimeout(resolve, 5));
    const health = await fetch(`${url}/_localcloud/health`);
    assert.deepEqual(await health.json(), { status: 'ok' });
    controller.abort();
    await running;
    assert.match(output, new RegExp(`^local cloud listening on ${url.replace(/\./g, '\\.')}\n`));
    assert.match(output, new RegExp(`AWS_ENDPOINT_URL=${url.replace(/\./g, '\\.')}`));
    await assert.rejects(fetch(`${url}/_localcloud/health`));
  });
});

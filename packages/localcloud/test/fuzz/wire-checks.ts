// What every answer of the local cloud must be, whatever it was sent: an HTTP answer (never a dropped
// or hung connection), never a 5xx, and a body in the protocol's own shape.
import assert from 'node:assert/strict';
import type { RawResponse } from './raw-http.js';
import { findAll, parseStrictXml, textOf, type XmlElement } from './strict-xml.js';

export type Protocol = 'json' | 'query' | 'ec2' | 's3';

export function describeResponse(response: RawResponse): string {
  return `HTTP ${response.status} ${JSON.stringify(response.headers)}\n${response.body.toString('utf8').slice(0, 600)}`;
}

/** Checks the answer is the protocol's shape; returns the parsed body (JSON value or XML root). */
export function checkAnswer(response: RawResponse, protocol: Protocol, context = ''): unknown {
  const where = `${context}\n${describeResponse(response)}`;
  assert.ok(!response.dropped, `the connection was dropped without an answer${where}`);
  assert.ok(response.status >= 200 && response.status < 500, `not a 2xx-4xx answer${where}`);
  const text = response.body.toString('utf8');
  if (protocol === 'json') {
    assert.match(
      response.headers['content-type'] ?? '',
      /^application\/x-amz-json-1\.[01]/,
      `content type${where}`,
    );
    const body = JSON.parse(text) as Record<string, unknown>;
    if (response.status >= 300) {
      assert.equal(typeof body.__type, 'string', `__type${where}`);
      assert.equal(typeof body.message, 'string', `message${where}`);
      assert.equal(response.headers['x-amzn-errortype'], body.__type, `x-amzn-errortype${where}`);
    }
    return body;
  }
  if (response.status === 204 || (response.status < 300 && text === '')) return undefined;
  let root: XmlElement;
  try {
    root = parseStrictXml(text);
  } catch (error) {
    assert.fail(`not well-formed XML: ${(error as Error).message}${where}`);
  }
  if (response.status >= 300) {
    const expectedRoot = protocol === 'ec2' ? 'Response' : protocol === 's3' ? 'Error' : 'ErrorResponse';
    assert.equal(root.name, expectedRoot, `error root element${where}`);
    assert.equal(findAll(root, 'Code').length, 1, `one error code${where}`);
    assert.ok(textOf(findAll(root, 'Code')[0] as XmlElement).length > 0, `a non-empty error code${where}`);
    assert.equal(findAll(root, 'Message').length, 1, `one error message${where}`);
  }
  return root;
}

/** A HEAD answer: like any other (answered, never a 5xx), but never with a body, error or not. */
export function checkHeadAnswer(response: RawResponse, context = ''): void {
  const where = `${context}\n${describeResponse(response)}`;
  assert.ok(!response.dropped, `the connection was dropped without an answer${where}`);
  assert.ok(response.status >= 200 && response.status < 500, `not a 2xx-4xx answer${where}`);
  assert.equal(response.body.length, 0, `a body in answer to HEAD${where}`);
}

/** The text of the first element named `name` under `root`, if any. */
export function firstText(root: XmlElement, name: string): string | undefined {
  const found = findAll(root, name)[0];
  return found ? textOf(found) : undefined;
}

/** awsQuery / ec2 query headers: routed by the SigV4 credential scope, as the SDK signs. */
export function queryHeaders(
  service: string,
  contentType = 'application/x-www-form-urlencoded; charset=utf-8',
): [string, string][] {
  return [
    [
      'Authorization',
      `AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20240101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    ],
    ...(contentType === '' ? [] : ([['Content-Type', contentType]] as [string, string][])),
  ];
}

/** A form body with every key and value percent-encoded the way URLSearchParams reads them back. */
export function formBody(pairs: readonly [string, string][]): string {
  return pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
}

/** Every byte but unreserved ones as %XX; a lone surrogate goes as the UTF-8 of U+FFFD, as Buffer writes it. */
export function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

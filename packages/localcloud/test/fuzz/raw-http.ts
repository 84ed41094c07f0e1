// A bare HTTP/1.1 client over a socket, for requests no well-behaved client would send: any header
// bytes, any body bytes, any framing. Each request uses its own connection (`Connection: close`) so
// the answer ends where the connection does.
import { connect } from 'node:net';

export interface RawResponse {
  readonly status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** True when the server closed the connection without a status line (a dropped connection). */
  readonly dropped: boolean;
}

export interface RawRequest {
  readonly method?: string;
  readonly path?: string;
  /** Header lines as they go on the wire; Host, Connection and Content-Length are added unless given. */
  readonly headers?: readonly [string, string][];
  readonly body?: Buffer | string;
  /** The whole request as bytes, framing included; overrides everything above. */
  readonly raw?: Buffer;
}

/** Longest wait for an answer: beyond it the server is hung, which is itself the failure reported. */
const HUNG_AFTER_MS = 15_000;

export function rawRequest(port: number, request: RawRequest): Promise<RawResponse> {
  const bytes = request.raw ?? encodeRequest(request);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${HUNG_AFTER_MS} ms: the server hung on this request`));
    }, HUNG_AFTER_MS);
    socket.on('connect', () => socket.end(bytes));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset after a complete answer is fine: the server may close before reading the whole body.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseResponse(Buffer.concat(chunks)));
    });
  });
}

function encodeRequest(request: RawRequest): Buffer {
  const body =
    typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : (request.body ?? Buffer.alloc(0));
  const headers = [...(request.headers ?? [])];
  const has = (name: string) => headers.some(([h]) => h.toLowerCase() === name);
  if (!has('host')) headers.unshift(['Host', '127.0.0.1']);
  if (!has('connection')) headers.push(['Connection', 'close']);
  if (!has('content-length') && !has('transfer-encoding'))
    headers.push(['Content-Length', String(body.length)]);
  const head = `${request.method ?? 'POST'} ${request.path ?? '/'} HTTP/1.1\r\n${headers
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

function parseResponse(bytes: Buffer): RawResponse {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, body: Buffer.alloc(0), dropped: true };
  const [statusLine = '', ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = bytes.subarray(end + 4);
  if (headers['transfer-encoding']?.includes('chunked')) body = unchunk(body);
  else if (headers['content-length'] !== undefined)
    body = body.subarray(0, Number(headers['content-length']));
  return { status, headers, body, dropped: status === 0 };
}

function unchunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let position = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', position);
    if (lineEnd < 0) break;
    const size = parseInt(body.subarray(position, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    position = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

// Keeps the raw HTTP response of every call an SDK client makes, so a contract test can check the
// bytes on the wire as well as what the SDK parsed from them. A middleware just above the HTTP
// handler reads the body once and hands the SDK the same bytes.
import type { MiddlewareStack } from '@smithy/types';

export interface WireResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
}

export interface WireCapture {
  /** The response of the client's last call (the last attempt, if it was retried). */
  last(): WireResponse;
}

interface RawResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}

async function readAll(body: unknown): Promise<Buffer> {
  if (body instanceof Uint8Array) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export function captureWire<I extends object, O extends object>(client: {
  middlewareStack: MiddlewareStack<I, O>;
}): WireCapture {
  let last: WireResponse | undefined;
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as RawResponse;
      const bytes = await readAll(response.body);
      response.body = bytes;
      last = { status: response.statusCode, headers: response.headers, text: bytes.toString('utf8') };
      return result;
    },
    // Below the deserializer (which parses what `next` returns), so the body is still unread.
    { step: 'deserialize', priority: 'low', name: 'contractWireCapture' },
  );
  return {
    last() {
      if (!last) throw new Error('no response was captured yet');
      return last;
    },
  };
}

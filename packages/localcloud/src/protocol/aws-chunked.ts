// The aws-chunked content encoding S3 uploads use: `<hex size>[;chunk-signature=…]\r\n<bytes>\r\n` …
// ending with a zero-size chunk and, for STREAMING-*-TRAILER payloads, trailing headers such as
// `x-amz-checksum-crc32:<base64>`. Chunk signatures are not checked (no credentials are).

export interface DecodedChunks {
  readonly payload: Buffer;
  /** Trailing headers, names lower-cased. */
  readonly trailers: Map<string, string>;
}

export class MalformedChunkError extends Error {}

const CRLF = Buffer.from('\r\n');

export function isAwsChunked(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  const encoding = String(headers['content-encoding'] ?? '');
  const sha = String(headers['x-amz-content-sha256'] ?? '');
  return encoding.split(',').some((e) => e.trim() === 'aws-chunked') || sha.startsWith('STREAMING-');
}

export function decodeAwsChunked(body: Buffer): DecodedChunks {
  const chunks: Buffer[] = [];
  const trailers = new Map<string, string>();
  let position = 0;
  for (;;) {
    const lineEnd = body.indexOf(CRLF, position);
    if (lineEnd < 0) throw new MalformedChunkError('chunk header is not terminated by CRLF');
    const header = body.subarray(position, lineEnd).toString('latin1');
    const sizeText = header.split(';')[0]?.trim() ?? '';
    if (!/^[0-9a-fA-F]+$/.test(sizeText))
      throw new MalformedChunkError(`invalid chunk size ${JSON.stringify(sizeText)}`);
    const size = parseInt(sizeText, 16);
    position = lineEnd + 2;
    if (size === 0) break;
    if (position + size > body.length) throw new MalformedChunkError('chunk is longer than the body');
    chunks.push(body.subarray(position, position + size));
    position += size;
    if (!body.subarray(position, position + 2).equals(CRLF))
      throw new MalformedChunkError('chunk data is not followed by CRLF');
    position += 2;
  }
  // Trailing headers, one per line, up to an empty line or the end of the body.
  while (position < body.length) {
    const lineEnd = body.indexOf(CRLF, position);
    const line = body.subarray(position, lineEnd < 0 ? body.length : lineEnd).toString('latin1');
    position = lineEnd < 0 ? body.length : lineEnd + 2;
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon > 0) trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { payload: Buffer.concat(chunks), trailers };
}

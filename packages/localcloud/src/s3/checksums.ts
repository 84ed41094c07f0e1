// S3's additional checksums (flexible checksums): CRC32, CRC32C, CRC64NVME, SHA1 and SHA256 of an
// object's bytes, base64 of the big-endian digest as S3 sends them. Since December 2024 S3 verifies a
// checksum a PutObject carries (a header, or an aws-chunked trailer), stores it with the object, and
// gives every object uploaded without one a CRC64NVME; GetObject and HeadObject return the stored
// checksum when asked (`x-amz-checksum-mode: ENABLED`), which SDKs (boto3 1.36+, SDK v3 3.729+) do
// and then verify the bytes against.
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = [
  'CRC32',
  'CRC32C',
  'CRC64NVME',
  'SHA1',
  'SHA256',
];

export interface ObjectChecksum {
  readonly algorithm: ChecksumAlgorithm;
  /** Base64, as in the `x-amz-checksum-<algorithm>` header. */
  readonly value: string;
}

/** The response header that carries a checksum of this algorithm. */
export function checksumHeader(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

function reflectedTable32(polynomial: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ polynomial : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

const CRC32C_TABLE = reflectedTable32(0x82f63b78);

function crc32c(data: Buffer): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++)
    crc = (CRC32C_TABLE[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5, initial and final XOR all ones), kept as two
 * 32-bit halves: BigInt arithmetic per byte would make a revision bundle's checksum slow.
 */
const CRC64_TABLE = (() => {
  const hi = new Uint32Array(256);
  const lo = new Uint32Array(256);
  const polyHi = 0x9a6c9329;
  const polyLo = 0xac4bc9b5;
  for (let n = 0; n < 256; n++) {
    let h = 0;
    let l = n;
    for (let k = 0; k < 8; k++) {
      const carry = l & 1;
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
      h = h >>> 1;
      if (carry) {
        h = (h ^ polyHi) >>> 0;
        l = (l ^ polyLo) >>> 0;
      }
    }
    hi[n] = h;
    lo[n] = l;
  }
  return { hi, lo };
})();

function crc64nvme(data: Buffer): Buffer {
  let h = 0xffffffff;
  let l = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    const index = (l ^ (data[i] as number)) & 0xff;
    const nextLo = ((l >>> 8) | ((h & 0xff) << 24)) >>> 0;
    const nextHi = h >>> 8;
    l = (nextLo ^ (CRC64_TABLE.lo[index] as number)) >>> 0;
    h = (nextHi ^ (CRC64_TABLE.hi[index] as number)) >>> 0;
  }
  const out = Buffer.alloc(8);
  out.writeUInt32BE((h ^ 0xffffffff) >>> 0, 0);
  out.writeUInt32BE((l ^ 0xffffffff) >>> 0, 4);
  return out;
}

function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out;
}

export function computeChecksum(algorithm: ChecksumAlgorithm, data: Buffer): string {
  switch (algorithm) {
    case 'CRC32':
      return uint32(crc32(data)).toString('base64');
    case 'CRC32C':
      return uint32(crc32c(data)).toString('base64');
    case 'CRC64NVME':
      return crc64nvme(data).toString('base64');
    case 'SHA1':
      return createHash('sha1').update(data).digest('base64');
    case 'SHA256':
      return createHash('sha256').update(data).digest('base64');
  }
}

export function isChecksumAlgorithm(name: string): name is ChecksumAlgorithm {
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(name);
}

const defaultChecksums = new WeakMap<Buffer, ObjectChecksum>();

/**
 * The checksum S3 answers for an object: the one its upload carried, else the CRC64NVME S3 gives
 * every other object, computed on first use (most objects are never asked) and remembered.
 */
export function objectChecksum(object: {
  readonly body: Buffer;
  readonly checksum?: ObjectChecksum;
}): ObjectChecksum {
  if (object.checksum) return object.checksum;
  let checksum = defaultChecksums.get(object.body);
  if (!checksum) {
    checksum = { algorithm: 'CRC64NVME', value: computeChecksum('CRC64NVME', object.body) };
    defaultChecksums.set(object.body, checksum);
  }
  return checksum;
}

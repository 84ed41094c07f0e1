// What an image (AMI) holds compared with the host the local cloud runs on: the world names images
// with the host paths they lack (`/usr/bin/node`, or a bundle such as `node`) and the health path
// their instances answer without any deployment (a "golden" image with the app baked in). A real
// instance launched from an image has those paths hidden in its sandbox (sandbox/hidden-paths.ts), so
// hooks that need what the image lacks fail as they would on EC2. EC2's own image records (ids,
// names, DescribeImages) are the EC2 model's; these are the attributes only the local cloud knows.
import { posix } from 'node:path';

export interface ImageContents {
  readonly imageId: string;
  /** Absolute host paths the image does not have, bundles expanded. */
  readonly lacks: readonly string[];
  /** A health path its instances answer from boot, before any deployment. */
  readonly serves?: string;
}

/**
 * Where a program lives on the Linux hosts the local cloud runs on: Debian's packages, a tarball
 * under /usr/local, and the binary that runs the local cloud itself (nvm, a CI image's toolcache).
 */
const BUNDLES: Record<string, (hostNode: string) => string[]> = {
  node: (hostNode) => [
    '/usr/bin/node',
    '/usr/bin/nodejs',
    '/usr/bin/npm',
    '/usr/bin/npx',
    '/usr/bin/corepack',
    '/usr/lib/node_modules',
    '/usr/share/nodejs',
    '/usr/include/node',
    '/usr/local/bin/node',
    '/usr/local/bin/npm',
    '/usr/local/bin/npx',
    '/usr/local/bin/corepack',
    '/usr/local/lib/node_modules',
    '/usr/local/include/node',
    hostNode,
  ],
  python3: () => ['/usr/bin/python3', '/usr/local/bin/python3'],
  git: () => ['/usr/bin/git', '/usr/local/bin/git'],
};

export const IMAGE_BUNDLES = Object.keys(BUNDLES);

export class ImageLacksError extends Error {}

/**
 * The absolute paths a `lacks:` list stands for: bundles expanded, paths normalized, duplicates
 * dropped. `hostNode` is the path of the node binary the host runs (process.execPath).
 */
export function expandLacks(lacks: readonly string[], hostNode: string): string[] {
  const out = new Set<string>();
  for (const entry of lacks) {
    const bundle = BUNDLES[entry];
    if (bundle) {
      for (const path of bundle(hostNode)) out.add(posix.normalize(path));
      continue;
    }
    if (!entry.startsWith('/'))
      throw new ImageLacksError(
        `${entry} is neither an absolute path nor a bundle (${IMAGE_BUNDLES.join(', ')})`,
      );
    const path = posix.normalize(entry).replace(/\/+$/, '');
    if (path === '' || path === '/') throw new ImageLacksError('an image cannot lack /');
    out.add(path);
  }
  return [...out];
}

/** The images the world named, by id: what their instances lack and serve. */
export class ImageRegistry {
  private readonly images = new Map<string, ImageContents>();

  add(image: ImageContents): void {
    this.images.set(image.imageId, image);
  }

  remove(imageId: string): void {
    this.images.delete(imageId);
  }

  get(imageId: string): ImageContents | undefined {
    return this.images.get(imageId);
  }

  clear(): void {
    this.images.clear();
  }
}

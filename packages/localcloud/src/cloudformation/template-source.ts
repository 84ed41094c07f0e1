// A template given by TemplateURL: an object of the local cloud's S3, named by a virtual-hosted
// (`https://bucket.s3.amazonaws.com/key`) or path-style (`https://s3.amazonaws.com/bucket/key`, or the
// local cloud's own `http://127.0.0.1:port/bucket/key`) URL.
import type { S3Model } from '../s3/model.js';
import * as errors from './errors.js';

const UNREADABLE = 'TemplateURL must reference a valid S3 object to which you have access.';

export function templateFromUrl(s3: S3Model, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw errors.validationError(UNREADABLE);
  }
  const path = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  const hosted = /^(.+)\.s3[.-]/.exec(parsed.hostname)?.[1];
  const [bucket, key] =
    hosted !== undefined ? [hosted, path] : [path.split('/')[0] ?? '', path.split('/').slice(1).join('/')];
  const object = s3.getObject(bucket, key);
  if (!object) throw errors.validationError(UNREADABLE);
  return object.body.toString('utf8');
}

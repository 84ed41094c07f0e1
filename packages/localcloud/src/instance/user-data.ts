// User data as cloud-init reads it at an instance's first boot. EC2 stores a launch template's
// UserData base64-encoded; cloud-init decodes it (gunzipping it when it is gzip), then looks at its
// first line: `#!` is a script run as-is in the final stage (scripts-user), `#cloud-config` is YAML
// whose `write_files` are written early (init stage, or final with `defer: true`) and whose `runcmd`
// becomes one shell script run in the final stage. Anything else cloud-init does not handle and says
// so in its log. This module is the pure part: what to do, not doing it (boot.ts runs it).
import { gunzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';

export interface WriteFile {
  readonly path: string;
  readonly content: Buffer;
  /** Octal, as cloud-init takes it (default 0644). */
  readonly permissions: string;
  /** `user:group` (default root:root). */
  readonly owner: string;
  readonly append: boolean;
  readonly defer: boolean;
}

export type BootPlan =
  | { readonly kind: 'none' }
  | { readonly kind: 'script'; readonly script: Buffer }
  | {
      readonly kind: 'cloud-config';
      readonly writeFiles: readonly WriteFile[];
      /** runcmd as the shell script cloud-init writes to /var/lib/cloud/instance/scripts/runcmd. */
      readonly runcmd?: string;
      /** Lines for cloud-init-output.log: keys the local cloud does not act on, entries it skipped. */
      readonly warnings: readonly string[];
    }
  /** Valid user data cloud-init would not run (a MIME archive, #include, plain text, bad YAML). */
  | { readonly kind: 'unhandled'; readonly reason: string };

/** The cloud-config keys acted on; the rest are reported as not emulated. */
const HANDLED_KEYS = new Set(['write_files', 'runcmd']);

/** EC2's stored form (base64) to the bytes cloud-init reads, gunzipped when gzip. */
export function decodeUserData(stored: string): Buffer {
  const bytes = Buffer.from(stored, 'base64');
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
}

/** What cloud-init does with user data, from its bytes. */
export function parseUserData(data: Buffer): BootPlan {
  if (data.length === 0) return { kind: 'none' };
  const text = data.toString('utf8');
  const firstLine = (text.split('\n', 1)[0] ?? '').replace(/\r$/, '');
  if (text.startsWith('#!')) return { kind: 'script', script: data };
  if (/^#cloud-config\s*$/.test(firstLine)) return parseCloudConfig(text);
  const kind =
    /^content-type:/i.test(firstLine) || /^mime-version:/i.test(firstLine)
      ? 'a MIME multi-part archive (not emulated by the local cloud)'
      : firstLine.startsWith('#')
        ? `${firstLine.split(/\s/, 1)[0] ?? firstLine} user data (not emulated by the local cloud)`
        : 'text/x-not-multipart user data';
  return { kind: 'unhandled', reason: `Unhandled non-multipart (text/x-not-multipart) userdata: ${kind}` };
}

/** cloud-init quotes each argument of a list runcmd entry for /bin/sh. */
export function shellQuote(argument: string): string {
  return `'${argument.replace(/'/g, `'\\''`)}'`;
}

function parseCloudConfig(text: string): BootPlan {
  let config: unknown;
  try {
    // cloud-init reads YAML 1.1 (PyYAML): `permissions: 0755` is octal, `yes` is true.
    config = parseYaml(text, { version: '1.1' });
  } catch (error) {
    return { kind: 'unhandled', reason: `Failed loading yaml blob: ${(error as Error).message}` };
  }
  if (config === null || config === undefined) return { kind: 'cloud-config', writeFiles: [], warnings: [] };
  if (typeof config !== 'object' || Array.isArray(config))
    return { kind: 'unhandled', reason: 'cloud-config is not a YAML mapping' };
  const warnings: string[] = [];
  const record = config as Record<string, unknown>;
  for (const key of Object.keys(record))
    if (!HANDLED_KEYS.has(key)) warnings.push(`cloud-config key ${key} is not emulated by the local cloud`);
  const writeFiles = parseWriteFiles(record.write_files, warnings);
  const runcmd = parseRuncmd(record.runcmd, warnings);
  return { kind: 'cloud-config', writeFiles, ...(runcmd !== undefined ? { runcmd } : {}), warnings };
}

function parseRuncmd(value: unknown, warnings: string[]): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    warnings.push('runcmd: expected a list of commands; nothing run');
    return undefined;
  }
  const lines: string[] = [];
  value.forEach((entry: unknown, index) => {
    if (typeof entry === 'string') lines.push(entry);
    else if (Array.isArray(entry) && entry.every((a) => typeof a === 'string' || typeof a === 'number'))
      lines.push(entry.map((a) => shellQuote(String(a))).join(' '));
    else warnings.push(`runcmd.${index}: expected a string or a list of strings; skipped`);
  });
  return `#!/bin/sh\n${lines.join('\n')}\n`;
}

function parseWriteFiles(value: unknown, warnings: string[]): WriteFile[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    warnings.push('write_files: expected a list of files; nothing written');
    return [];
  }
  const files: WriteFile[] = [];
  value.forEach((entry: unknown, index) => {
    const where = `write_files.${index}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      warnings.push(`${where}: expected a mapping; skipped`);
      return;
    }
    const file = entry as Record<string, unknown>;
    if (typeof file.path !== 'string' || !file.path.startsWith('/')) {
      warnings.push(`${where}: expected an absolute path; skipped`);
      return;
    }
    const content = decodeContent(file.content, file.encoding);
    if (typeof content === 'string') {
      warnings.push(`${where}: ${content}; skipped`);
      return;
    }
    const permissions =
      typeof file.permissions === 'number'
        ? file.permissions.toString(8)
        : typeof file.permissions === 'string'
          ? file.permissions
          : '0644';
    if (!/^0?o?[0-7]{3,4}$/.test(permissions)) {
      warnings.push(`${where}: permissions ${permissions} are not octal; skipped`);
      return;
    }
    files.push({
      path: file.path,
      content,
      permissions: permissions.replace(/^0?o?/, ''),
      owner: typeof file.owner === 'string' ? file.owner : 'root:root',
      append: file.append === true,
      defer: file.defer === true,
    });
  });
  return files;
}

/** cloud-init's encodings: text, b64/base64, gz/gzip, gz+b64 and its spellings; an error as a string. */
function decodeContent(content: unknown, encoding: unknown): Buffer | string {
  const text = typeof content === 'string' ? content : typeof content === 'number' ? String(content) : '';
  const name = typeof encoding === 'string' ? encoding.toLowerCase() : 'text/plain';
  try {
    switch (name) {
      case 'text/plain':
      case 'text':
        return Buffer.from(text, 'utf8');
      case 'b64':
      case 'base64':
        return Buffer.from(text, 'base64');
      case 'gz':
      case 'gzip':
        return gunzipSync(Buffer.from(text, 'latin1'));
      case 'gz+b64':
      case 'gz+base64':
      case 'gzip+b64':
      case 'gzip+base64':
        return gunzipSync(Buffer.from(text, 'base64'));
      default:
        return `unknown encoding ${String(encoding)}`;
    }
  } catch (error) {
    return `content cannot be decoded as ${name}: ${(error as Error).message}`;
  }
}

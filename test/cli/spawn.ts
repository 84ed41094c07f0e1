import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { builtCli } from '../support/built-cli.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
// Resolved here, not by the child: the child's cwd may be a directory without node_modules.
const tsxLoader = import.meta.resolve('tsx');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs greenlight in a child process, as a user or CI would: the CLI bundled from the sources as they
 * are now (test/support/built-cli.ts), what bin/greenlight.js runs after `npm run build`.
 */
export async function greenlight(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; input?: string } = {},
): Promise<CliResult> {
  return runNode([await builtCli(), ...args], options);
}

/** Runs a TypeScript entry point of the repository (e.g. a deployscript) the way CI does. */
export function runTypeScript(
  file: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; input?: string } = {},
): Promise<CliResult> {
  return runNode(['--import', tsxLoader, file, ...args], options);
}

function runNode(
  argv: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; input?: string },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, {
      cwd: options.cwd ?? repoRoot,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        CI: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

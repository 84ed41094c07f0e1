// The programs that run inside instance sandboxes (programs/: the service supervisor, systemctl, the
// agent's installer) must be plain JavaScript there: an instance has node, not tsx. Compiled builds
// already have them as .js next to this module; from the TypeScript sources they are transpiled once
// into the cloud's own directory.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { PROGRAMS_DIR } from '../assets.js';
import { SANDBOX_TOOLS_DIR } from './layout.js';

export interface SandboxPrograms {
  /** Host directory holding supervisor.js, systemctl.js, installer.js (bound at SANDBOX_TOOLS_DIR/programs). */
  readonly dir: string;
  /** Host path of the `systemctl` shim (a shell script that runs systemctl.js with the sandbox's node). */
  readonly systemctlShim: string;
}

/** Inside the sandbox. */
export const SANDBOX_NODE = `${SANDBOX_TOOLS_DIR}/node`;
export const SANDBOX_PROGRAMS = `${SANDBOX_TOOLS_DIR}/programs`;
export const SANDBOX_BIN = `${SANDBOX_TOOLS_DIR}/bin`;

const sourceDir = PROGRAMS_DIR;

async function transpileInto(dir: string): Promise<void> {
  // esbuild, as scripts/build.ts compiles these programs for dist/, and not the TypeScript compiler:
  // loading `typescript` (a 9 MB CommonJS module) and transpiling took about 1.5 CPU s at every start
  // of a cloud with real instances from the sources; esbuild's transform takes milliseconds.
  const { transform } = await import('esbuild');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), '{"type":"module"}\n');
  for (const file of await readdir(sourceDir)) {
    if (!file.endsWith('.ts')) continue;
    const source = await readFile(join(sourceDir, file), 'utf8');
    const output = await transform(source, {
      loader: 'ts',
      format: 'esm',
      target: 'node20',
      sourcefile: file,
    });
    await writeFile(join(dir, file.replace(/\.ts$/, '.js')), output.code);
  }
}

/** Makes the programs available under `workDir` (the cloud's directory) and returns where they are. */
export async function preparePrograms(workDir: string): Promise<SandboxPrograms> {
  const compiled = existsSync(join(sourceDir, 'supervisor.js'));
  const dir = compiled ? sourceDir : join(workDir, 'programs');
  if (!compiled) await transpileInto(dir);
  const shimDir = join(workDir, 'bin');
  await mkdir(shimDir, { recursive: true });
  const systemctlShim = join(shimDir, 'systemctl');
  await writeFile(
    systemctlShim,
    `#!/bin/sh\n# The local cloud's systemctl: a simulation of systemd, not systemd.\nexec ${SANDBOX_NODE} ${SANDBOX_PROGRAMS}/systemctl.js "$@"\n`,
  );
  await chmod(systemctlShim, 0o755);
  return { dir, systemctlShim };
}

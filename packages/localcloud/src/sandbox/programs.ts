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
  const ts = (await import('typescript')).default;
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), '{"type":"module"}\n');
  for (const file of await readdir(sourceDir)) {
    if (!file.endsWith('.ts')) continue;
    const source = await readFile(join(sourceDir, file), 'utf8');
    const output = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: file,
    });
    await writeFile(join(dir, file.replace(/\.ts$/, '.js')), output.outputText);
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

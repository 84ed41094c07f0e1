// The files of synthetic instances: only what the local cloud writes for them (the CodeDeploy agent's
// scripts.log, simulated-log.ts), kept so that SSM Run Command can read them (read-only-shell.ts).
// A synthetic instance has no other file; a read of anything else finds nothing, as it should.
import type { SimulatedFileSystem } from './read-only-shell.js';

export class SimulatedFiles {
  private readonly byInstance = new Map<string, Map<string, Buffer[]>>();

  append(instanceId: string, path: string, text: string): void {
    let files = this.byInstance.get(instanceId);
    if (!files) {
      files = new Map();
      this.byInstance.set(instanceId, files);
    }
    const chunks = files.get(path) ?? [];
    chunks.push(Buffer.from(text, 'utf8'));
    files.set(path, chunks);
  }

  /** One instance's files, as the read-only shell reads them. */
  of(instanceId: string): SimulatedFileSystem {
    const files = this.byInstance.get(instanceId);
    return {
      read: (path) => {
        const chunks = files?.get(path);
        return chunks ? Buffer.concat(chunks) : undefined;
      },
      isDirectory: (path) => {
        const prefix = path.endsWith('/') ? path : `${path}/`;
        return [...(files?.keys() ?? [])].some((file) => file.startsWith(prefix));
      },
    };
  }

  /** An instance that is gone takes its files with it. */
  forget(instanceId: string): void {
    this.byInstance.delete(instanceId);
  }
}

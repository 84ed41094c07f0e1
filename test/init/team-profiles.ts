// Team apps of each runtime, as greenlight init profiles them: what its tests render hooks for.
import { teamProfile, type AppProfile } from '../../src/init/app-profile.js';
import type { DetectedApp } from '../../src/init/runtime.js';

export const detected = (over: Partial<DetectedApp>): DetectedApp => ({
  runtime: 'node',
  source: '/',
  entry: 'index.js',
  entryExists: true,
  npmStart: false,
  esm: false,
  tests: false,
  dependencies: { kind: 'none' },
  notes: [],
  ...over,
});

/** Apps of each runtime, as teams have them. */
export const profiles: Record<string, AppProfile> = {
  node: teamProfile({
    app: 'shop',
    detected: detected({}),
    port: 3000,
    healthPath: '/health',
    exampleWritten: false,
  }),
  'node with dependencies': teamProfile({
    app: 'shop',
    detected: detected({ dependencies: { kind: 'npm' } }),
    port: 8000,
    healthPath: '/healthcheck',
    exampleWritten: true,
  }),
  python: teamProfile({
    app: 'ledger',
    detected: detected({
      runtime: 'python',
      entry: 'app.py',
      dependencies: { kind: 'pip', arguments: '--requirement requirements.txt' },
    }),
    port: 8080,
    healthPath: '/status',
    exampleWritten: false,
  }),
  'python without dependencies': teamProfile({
    app: 'ledger',
    detected: detected({ runtime: 'python', entry: 'main.py' }),
    port: 8000,
    healthPath: '/healthcheck',
    exampleWritten: true,
  }),
  static: teamProfile({
    app: 'site',
    detected: detected({ runtime: 'static', source: 'public', entry: 'index.html' }),
    port: 8000,
    healthPath: '/healthcheck',
    exampleWritten: false,
  }),
};

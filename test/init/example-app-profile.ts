// The example app (example-app/, hooks/, appspec.yml) as the scaffold's templates see it.
import type { AppProfile } from '../../src/init/app-profile.js';

export const EXAMPLE_APP: AppProfile = {
  app: 'web',
  runtime: 'node',
  user: 'web',
  appDir: '/opt/web',
  envDir: '/etc/web',
  runDir: '/run/web',
  unit: 'web.service',
  port: 8000,
  healthPath: '/healthcheck',
  source: 'example-app',
  entry: 'example-app/server.mjs',
  execStart: '/usr/bin/env node /opt/web/server.mjs',
  installsDependencies: false,
  description: 'web, the greenlight example app',
  appTitle: 'the example app',
  appspecWhat: 'the example app (example-app/)',
  contractHolder: '`example-app/server.mjs` keeps it',
  lintWhere: '(and in npm test)',
  checksWhere: 'all run in `npm test`',
};

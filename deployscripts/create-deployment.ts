// CircleCI: a release — deploy, follow, verify, roll back, record (src/release.ts) — as `greenlight
// deploy` runs it: same flags, same exit codes.
// Usage: node --import tsx deployscripts/create-deployment.ts --env dev [--revision SHA] [--rollback-on-failure]
import { runAsProcess } from '../src/cli/process.js';

await runAsProcess(['deploy', ...process.argv.slice(2)]);

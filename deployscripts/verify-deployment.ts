// CircleCI: verify every instance of a deployment — `greenlight verify`, same flags, same exit codes.
// Usage: node --import tsx deployscripts/verify-deployment.ts --env dev [DEPLOYMENT_ID] [--junit FILE] [--markdown FILE] [--json]
import { runAsProcess } from '../src/cli/process.js';

await runAsProcess(['verify', ...process.argv.slice(2)]);

// CircleCI: create or reconcile the deployment group — `greenlight group apply`, same flags, same exit codes.
// Usage: node --import tsx deployscripts/create-deployment-group.ts --env dev [--clean-orphans]
import { runAsProcess } from '../src/cli/process.js';

await runAsProcess(['group', 'apply', ...process.argv.slice(2)]);

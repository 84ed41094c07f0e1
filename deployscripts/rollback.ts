// CircleCI: roll back to the last verified revision and verify it — `greenlight rollback`, same flags,
// same exit codes (5: rolled back and verified).
// Usage: node --import tsx deployscripts/rollback.ts --env dev [--to SHA]
import { runAsProcess } from '../src/cli/process.js';

await runAsProcess(['rollback', ...process.argv.slice(2)]);

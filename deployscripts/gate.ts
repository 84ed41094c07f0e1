// CircleCI: the promotion gate — `greenlight gate`, same flags, same exit codes (1: the bake failed,
// 5: failed and rolled back with --rollback-on-failure, 130/143: cancelled, nothing promoted).
// Usage: node --import tsx deployscripts/gate.ts --env dev --bake 10m [--smoke CMD] [--rollback-on-failure]
import { runAsProcess } from '../src/cli/process.js';

await runAsProcess(['gate', ...process.argv.slice(2)]);

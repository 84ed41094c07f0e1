// The greenlight command's process entry.
import { runAsProcess } from './process.js';

await runAsProcess(process.argv.slice(2));

// The greenlight command's process entry.
import { runAsProcess } from './process.js';

// The AWS SDK prints a 9-line NodeVersionSupportWarning on Node 20 from every client it builds
// (@aws-sdk/core's emitWarningIfUnsupportedVersion, through process.emitWarning), in the middle of a
// command's output. Node 20 is the runtime greenlight supports (package.json's engines) and the SDK
// versions greenlight pins run on it, so the notice tells a user nothing they can act on; README.md
// ("Node.js 20 and the AWS SDK's notice") says why and until when. The SDK's own switch turns it off;
// it is set here, once, at the process's entry (never below src/cli/), and only when the user has not
// set it either way.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

await runAsProcess(process.argv.slice(2));

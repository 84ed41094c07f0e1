// Where the package's files that are not modules live: the trimmed botocore models (models/), the
// programs that run inside instance sandboxes (sandbox/programs/), IAM's AWS managed policies
// (iam/data/) and the AWS CLI's driver (aws-cli/driver.py). Found from this module, which sits at the
// top of the sources (src/assets.ts) and of a build alike (a bundle's single file: the build puts
// those directories next to it), so no module needs to know how deep it is.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The service models, `<name>.json`. */
export const MODELS_DIR = join(here, 'models');
/** The sandbox programs: TypeScript in the sources, JavaScript in a build. */
export const PROGRAMS_DIR = join(here, 'sandbox', 'programs');
/** AWS managed policies as data (iam/managed-policies.ts). */
export const IAM_DATA_DIR = join(here, 'iam', 'data');
/** The AWS CLI kept in one Python process (aws-cli/driver.ts). */
export const AWS_CLI_DRIVER = join(here, 'aws-cli', 'driver.py');

import type { ConfigProblem } from './errors.js';
import { formatKeyPath } from './problems.js';

// `greenlight init` writes this where an AWS account id belongs and it could not learn one (no
// --account, no credentials to ask STS): a value that cannot pass for an account, so that greenlight.yml
// never looks finished while it is not. The loader names each place it is left in, and what to do.

export const ACCOUNT_PLACEHOLDER = '<account-id>';

/** Every string of the file that still holds the placeholder, as a problem at its key path. */
export function placeholderProblems(
  value: unknown,
  lineOf: (path: readonly PropertyKey[]) => number | undefined,
): ConfigProblem[] {
  const found: ConfigProblem[] = [];
  const walk = (node: unknown, path: PropertyKey[]) => {
    if (typeof node === 'string') {
      if (!node.includes(ACCOUNT_PLACEHOLDER)) return;
      const line = lineOf(path);
      found.push({
        path: formatKeyPath(path),
        message: `${ACCOUNT_PLACEHOLDER} is greenlight init's placeholder for the AWS account id: put the 12-digit id of the environment's account (aws sts get-caller-identity --query Account), or run greenlight init again with --account ID --force`,
        ...(line !== undefined && { line }),
      });
    } else if (Array.isArray(node)) node.forEach((item, index) => walk(item, [...path, index]));
    else if (typeof node === 'object' && node !== null)
      for (const [key, item] of Object.entries(node)) walk(item, [...path, key]);
  };
  walk(value, []);
  return found;
}

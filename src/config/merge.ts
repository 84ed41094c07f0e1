/**
 * Keys whose value picks one of several shapes (`{github}` or `{s3}`, CONTINUE or STOP …): merging them
 * key by key could mix two choices, so an environment that sets one replaces the default as a whole.
 */
const REPLACED_WHOLE = new Set([
  'deploymentConfig',
  'revision',
  'expectedCapacity',
  'blueGreen.ready',
  'blueGreen.terminateBlue',
  'blueGreen.targetInstances',
]);

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `defaults:` under one environment: maps merge key by key with the environment winning, lists and
 * scalars from the environment replace the default.
 */
export function mergeDefaults(defaults: unknown, environment: unknown, path = ''): unknown {
  if (environment === undefined) return defaults;
  if (!isMap(defaults) || !isMap(environment) || REPLACED_WHOLE.has(path)) return environment;
  const keys = new Set([...Object.keys(defaults), ...Object.keys(environment)]);
  // fromEntries defines own properties, so a `__proto__` key in the YAML stays an ordinary (unknown) key.
  return Object.fromEntries(
    [...keys].map((key) => [
      key,
      mergeDefaults(
        Object.hasOwn(defaults, key) ? defaults[key] : undefined,
        Object.hasOwn(environment, key) ? environment[key] : undefined,
        path === '' ? key : `${path}.${key}`,
      ),
    ]),
  );
}

/** Whether `path` leads to a value in `root` (own keys of maps, indexes of lists). */
export function hasValueAt(root: unknown, path: readonly PropertyKey[]): boolean {
  let node = root;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === 'number' && segment < node.length) node = node[segment];
    else if (isMap(node) && typeof segment === 'string' && Object.hasOwn(node, segment)) node = node[segment];
    else return false;
  }
  return true;
}

// `runas: USER` makes the agent run `su USER -c SCRIPT`, which fails when USER does not exist on the
// instance. A user is safe to name when the AMIs ship it, or when a hook of the bundle creates it.

/** Users the usual Linux AMIs (Amazon Linux, Ubuntu, Debian, RHEL and its rebuilds) have. */
export const STANDARD_USERS: readonly string[] = [
  'root',
  'daemon',
  'bin',
  'sys',
  'adm',
  'nobody',
  'ec2-user',
  'ssm-user',
  'ubuntu',
  'admin',
  'debian',
  'centos',
  'rocky',
  'fedora',
  'www-data',
  'apache',
  'nginx',
];

const USER_CREATING_COMMANDS = new Set(['useradd', 'adduser']);

/**
 * The user names that `useradd`/`adduser` commands in these scripts create. `$NAME` and `${NAME}` are
 * resolved from plain assignments (`NAME=value`, `readonly NAME=value`) in any of the scripts, since
 * hooks often keep the user's name in a shared, sourced file.
 */
export function usersCreatedBy(scripts: readonly string[]): Set<string> {
  const lines = scripts.flatMap((text) => text.split('\n').map((line) => line.replace(/\r$/, '')));
  const variables = new Map<string, string>();
  for (const line of lines) {
    const match =
      /^\s*(?:(?:readonly|declare\s+-r|export|local)\s+)?([A-Za-z_][A-Za-z0-9_]*)=(\S*)\s*(?:#.*)?$/.exec(
        line,
      );
    if (match?.[1] !== undefined && match[2] !== undefined) variables.set(match[1], unquote(match[2]));
  }
  const users = new Set<string>();
  for (const line of lines.map(withoutComment)) {
    for (const command of line.split(/;|&&|\|\||\||\bthen\b|\bdo\b/)) {
      const words = command
        .replace(/\s(?:\d?>>?|&>)\s*\S+/g, ' ')
        .trim()
        .split(/\s+/);
      const at = words.findIndex((word) => USER_CREATING_COMMANDS.has(word.replace(/^.*\//, '')));
      if (at < 0 || at === words.length - 1) continue;
      const last = words.at(-1) ?? '';
      const name = expand(unquote(last.replace(/[)}]+$/, '')), variables);
      if (name !== undefined && !name.startsWith('-')) users.add(name);
    }
  }
  return users;
}

function withoutComment(line: string): string {
  const match = /(^|\s)#/.exec(line);
  return match === null ? line : line.slice(0, match.index);
}

function unquote(word: string): string {
  return word.replace(/^(['"])(.*)\1$/, '$2');
}

function expand(word: string, variables: ReadonlyMap<string, string>): string | undefined {
  const match = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(word);
  if (match?.[1] === undefined) return word.includes('$') ? undefined : word;
  return variables.get(match[1]);
}

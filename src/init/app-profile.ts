import type { TemplateValues } from './template.js';
import type { DetectedApp, Runtime } from './runtime.js';

// What the appspec, the hooks, the unit and their README say about one app: its names on the
// instance, how it runs, and the words that describe it. The repository's own hooks/ are this
// profile rendered for the example app (test/init/templates.test.ts holds them to it byte for byte).

export interface AppProfile {
  /** The application's name: the unit, the user, and the directories are named after it. */
  readonly app: string;
  readonly runtime: Runtime;
  readonly user: string;
  readonly appDir: string;
  readonly envDir: string;
  readonly runDir: string;
  /** `<app>.service`. */
  readonly unit: string;
  readonly port: number;
  readonly healthPath: string;
  /** What the appspec copies to appDir: `/` or a directory of the revision. */
  readonly source: string;
  /** The file the unit runs (or the site's page), as the README names it. */
  readonly entry: string;
  /** The unit's ExecStart=. */
  readonly execStart: string;
  /**
   * AfterInstall installs what package.json (or requirements.txt, pyproject.toml) names, deciding at
   * each deployment, so that a dependency added later is installed too.
   */
  readonly installsDependencies: boolean;
  /** The unit's Description=. */
  readonly description: string;
  /** How the README and the appspec name the app. */
  readonly appTitle: string;
  readonly appspecWhat: string;
  /** Who keeps the app contract, as the README says it. */
  readonly contractHolder: string;
  /** Where `appspec lint` runs besides by hand (the appspec's header). */
  readonly lintWhere: string;
  /** Where the checks of the README's last line run. */
  readonly checksWhere: string;
}

/** AfterInstall's appspec timeout: longer when it installs dependencies (their deadline is 240 s). */
export function afterInstallTimeout(profile: AppProfile): number {
  return profile.installsDependencies ? 300 : 90;
}

/** `WEB_HOOK_DEADLINE_SECONDS` for `web`: the knob that shortens the hooks' waits. */
export function deadlineVariable(app: string): string {
  return `${app.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_HOOK_DEADLINE_SECONDS`;
}

export interface TeamAppInput {
  readonly app: string;
  readonly detected: DetectedApp;
  readonly port: number;
  readonly healthPath: string;
  /** The entry was missing and init writes the example app there. */
  readonly exampleWritten: boolean;
}

const RUNTIME_WORDS: Record<Runtime, string> = {
  node: 'the Node.js app',
  python: 'the Python app',
  static: 'the static site',
};

/** The profile of a team's app: everything named after the application. */
export function teamProfile(input: TeamAppInput): AppProfile {
  const { app, detected } = input;
  const appDir = `/opt/${app}`;
  const entryPath = detected.source === '/' ? detected.entry : `${detected.source}/${detected.entry}`;
  const onInstance = `${appDir}/${detected.entry}`;
  let execStart: string;
  if (detected.runtime === 'static') {
    execStart = `/usr/bin/env python3 -m http.server \${PORT} --bind \${HOST} --directory ${appDir}`;
  } else if (detected.runtime === 'python') {
    // The unit puts the virtual environment's bin (when AfterInstall made one) first on PATH.
    execStart = `/usr/bin/env python3 ${onInstance}`;
  } else {
    execStart = detected.npmStart ? '/usr/bin/env npm start --silent' : `/usr/bin/env node ${onInstance}`;
  }
  const what = `${RUNTIME_WORDS[detected.runtime]} ${app}`;
  return {
    app,
    runtime: detected.runtime,
    user: app,
    appDir,
    envDir: `/etc/${app}`,
    runDir: `/run/${app}`,
    unit: `${app}.service`,
    port: input.port,
    healthPath: input.healthPath,
    source: detected.source,
    entry: detected.runtime === 'static' ? detected.source : entryPath,
    execStart,
    installsDependencies: detected.runtime !== 'static',
    description: `${app}, deployed by greenlight`,
    appTitle: what,
    appspecWhat: `${what} (${detected.source === '/' ? 'the whole revision' : `${detected.source}/`})`,
    contractHolder: input.exampleWritten
      ? `\`${entryPath}\` keeps it: greenlight init wrote it because it did not exist, a starting point to grow into your app`
      : `check that \`${entryPath}\` keeps it`,
    lintWhere: "(and in CI: .circleci/config.yml's test job)",
    checksWhere: "run in CI (.circleci/config.yml's test job); run them before you push a change of hooks/",
  };
}

/** The values the templates are rendered with. */
export function templateValues(profile: AppProfile): TemplateValues {
  const dependenciesHow =
    profile.runtime === 'python'
      ? `named by requirements.txt or pyproject.toml, with pip into \`${profile.appDir}/.venv\``
      : 'named by package.json, with `npm ci --omit=dev` as the app user';
  return {
    app: profile.app,
    user: profile.user,
    appDir: profile.appDir,
    envDir: profile.envDir,
    runDir: profile.runDir,
    unit: profile.unit,
    port: String(profile.port),
    healthPath: profile.healthPath,
    source: profile.source,
    entry: profile.entry,
    execStart: profile.execStart,
    description: profile.description,
    appTitle: profile.appTitle,
    appspecWhat: profile.appspecWhat,
    contractHolder: profile.contractHolder,
    lintWhere: profile.lintWhere,
    checksWhere: profile.checksWhere,
    deadlineVariable: deadlineVariable(profile.app),
    afterInstallTimeout: String(afterInstallTimeout(profile)),
    dependenciesHow,
    node: profile.runtime === 'node',
    python: profile.runtime === 'python',
    static: profile.runtime === 'static',
    installsDependencies: profile.installsDependencies,
    pythonVenv: profile.runtime === 'python' && profile.installsDependencies,
  };
}

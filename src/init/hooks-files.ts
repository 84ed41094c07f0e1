import { templateValues, type AppProfile } from './app-profile.js';
import { renderTemplate } from './template.js';
import { readTemplate } from './templates-dir.js';

// appspec.yml and hooks/ for an app: the templates of src/init/templates/ filled with its profile.

/** A file the scaffold writes, relative to the repository. */
export interface ScaffoldFile {
  readonly path: string;
  readonly text: string;
  /** 0o755 for the hooks that run, 0o644 otherwise. */
  readonly mode: number;
}

/** Every hook appspec.yml names, in the order of a blue/green deployment; lib.sh is sourced by each. */
export const HOOK_SCRIPTS = [
  'application-stop.sh',
  'before-install.sh',
  'after-install.sh',
  'application-start.sh',
  'validate-service.sh',
  'before-allow-traffic.sh',
  'before-block-traffic.sh',
  'after-block-traffic.sh',
] as const;

function render(template: string, profile: AppProfile): string {
  return renderTemplate(readTemplate(template), templateValues(profile), `templates/${template}`);
}

export function renderAppSpec(profile: AppProfile): ScaffoldFile {
  return { path: 'appspec.yml', text: render('appspec.yml', profile), mode: 0o644 };
}

export function renderHooks(profile: AppProfile): ScaffoldFile[] {
  return [
    { path: 'hooks/lib.sh', text: render('hooks/lib.sh', profile), mode: 0o644 },
    ...HOOK_SCRIPTS.map((script) => ({
      path: `hooks/${script}`,
      text: render(`hooks/${script}`, profile),
      mode: 0o755,
    })),
    { path: `hooks/${profile.unit}`, text: render('hooks/app.service', profile), mode: 0o644 },
    { path: 'hooks/README.md', text: render('hooks/README.md', profile), mode: 0o644 },
  ];
}

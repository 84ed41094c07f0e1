// What the rehearsal does differently from CircleCI, step by step, each said on screen when it
// happens. Everything else runs as written.
import type { BuildJob, RunStep, Step } from './circleci/index.js';

export interface Substituted {
  readonly steps: readonly Step[];
  /** One line per step the rehearsal changed: what CircleCI would run and what runs instead. */
  readonly notes: readonly string[];
}

export interface SubstitutionContext {
  /** The directory holding the rehearsal's `sam` (sam-stand-in.ts). */
  readonly standInDir: string;
  /** What was built before the first job (RehearsalOptions.build). */
  readonly built: 'full' | 'cli' | 'none';
}

interface Rule {
  readonly matches: (step: RunStep) => boolean;
  readonly instead: (step: RunStep, context: SubstitutionContext) => { command: string; note: string };
}

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
const say = (text: string) => `echo ${quote(`rehearsal: ${text}`)}`;

const RULES: readonly Rule[] = [
  {
    // `npm ci` deletes node_modules first: in the rehearsal's checkout they are the repository's own.
    matches: (step) => /^\s*npm ci\b/.test(step.command),
    instead: () => {
      const note = "npm ci is not run: the checkout links the repository's installed node_modules";
      return { command: say(note), note };
    },
  },
  {
    matches: (step) => /^\s*npm run build\s*$/.test(step.command),
    instead: (_step, context) => {
      if (context.built === 'none') {
        const note =
          'npm run build is not run: this rehearsal runs the CLI from its sources (bin/greenlight.js falls back to them)';
        return { command: say(note), note };
      }
      const note =
        context.built === 'cli'
          ? 'npm run build ran once before the first job, the CLI only (scripts/build.ts --cli-only: the bundle the jobs run, without the library and its declarations); dist/bundle is the build of this revision'
          : 'npm run build ran once before the first job (a build takes real time, which the accelerated clock would count many times over); dist/ is the build of this revision';
      return {
        command: `${say(note)}\nnode -e "require('node:fs').accessSync('dist/bundle/greenlight.js')"`,
        note,
      };
    },
  },
  {
    // apt-get and pip need root and the network; the SAM CLI cannot be installed here.
    matches: (step) => /pip[^\n]*install[^\n]*aws-sam-cli/.test(step.command),
    instead: (_step, context) => {
      const note =
        "the SAM CLI is not installed: `sam` is the rehearsal's stand-in, which deploys through the AWS CLI's CloudFormation commands";
      return {
        command: `${say(note)}\necho 'export PATH="${context.standInDir}:$PATH"' >> "$BASH_ENV"`,
        note,
      };
    },
  },
];

export function substituteSteps(job: BuildJob, context: SubstitutionContext): Substituted {
  const notes: string[] = [];
  const steps = job.steps.map((step): Step => {
    if (step.type !== 'run') return step;
    const rule = RULES.find((r) => r.matches(step));
    if (!rule) return step;
    const { command, note } = rule.instead(step, context);
    notes.push(`${step.name}: ${note}`);
    return { ...step, command };
  });
  return { steps, notes };
}

// tier: unit
// The scaffold's templates are this repository's hooks/ and appspec.yml with their constants made
// values: rendered for the example app they give back the repository's files byte for byte (and with
// their modes), so the hooks greenlight init writes for a team cannot drift from the ones the demo,
// the e2e tests and the rehearsals run.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { renderAppSpec, renderHooks } from '../../src/init/hooks-files.js';
import { renderTemplate, TemplateError } from '../../src/init/template.js';
import { repoRoot } from '../cli/spawn.js';
import { EXAMPLE_APP } from './example-app-profile.js';

describe('the scaffold templates, rendered for the example app', () => {
  const files = [renderAppSpec(EXAMPLE_APP), ...renderHooks(EXAMPLE_APP)];

  it('are the repository’s appspec.yml and hooks/, byte for byte and mode for mode', () => {
    for (const file of files) {
      const path = join(repoRoot, file.path);
      assert.equal(
        file.text,
        readFileSync(path, 'utf8'),
        `${file.path} differs from the template's rendering`,
      );
      assert.equal(file.mode, statSync(path).mode & 0o777, `${file.path}: mode`);
    }
  });

  it('cover every file of hooks/', () => {
    const rendered = files.map((f) => f.path).filter((p) => p.startsWith('hooks/'));
    assert.deepEqual(
      rendered.sort(),
      readdirSync(join(repoRoot, 'hooks'))
        .map((f) => `hooks/${f}`)
        .sort(),
    );
  });
});

describe('renderTemplate', () => {
  it('fills values and keeps or drops sections', () => {
    const text =
      'a {{x}}\n{{#on}}\nkept {{x}}\n{{/on}}\n{{^on}}\ndropped\n{{/on}}\n  {{#off}}\nno\n  {{/off}}\nend\n';
    assert.equal(renderTemplate(text, { x: 'X', on: true, off: false }, 't'), 'a X\nkept X\nend\n');
  });

  it('leaves braces that are not its own, such as CircleCI’s', () => {
    const text = '- npm-v1-{{ checksum "package-lock.json" }}\n';
    assert.equal(renderTemplate(text, {}, 't'), text);
  });

  it('refuses a missing value, a flag used as text, an unclosed or crossed section, a marker beside text', () => {
    const cases: [string, Record<string, string | boolean>, RegExp][] = [
      ['{{x}}', {}, /t:1: \{\{x\}\} needs a text value, has undefined/],
      ['{{on}}', { on: true }, /t:1: \{\{on\}\} needs a text value, has true/],
      ['{{#x}}\n', { x: 'text' }, /t:1: section x needs a true\/false value/],
      ['{{#a}}\nx\n', { a: true }, /t: \{\{#a\}\} is never closed/],
      ['{{#a}}\n{{#b}}\n{{/a}}\n{{/b}}\n', { a: true, b: true }, /t:3: \{\{\/a\}\} closes \{\{#b\}\}/],
      ['x {{#a}}\n', { a: true }, /t: \{\{#a\}\} must stand alone on its line/],
    ];
    for (const [text, values, message] of cases) {
      assert.throws(
        () => renderTemplate(text, values, 't'),
        (e: unknown) => e instanceof TemplateError && message.test(e.message),
      );
    }
  });
});

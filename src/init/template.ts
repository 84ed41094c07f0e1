// The few rules the scaffold's templates (src/init/templates/) are written in, so that a template reads
// as the file it becomes:
//   {{name}}                   a value, anywhere on a line
//   {{#flag}} … {{/flag}}      lines kept when flag is true; each marker alone on its line
//   {{^flag}} … {{/flag}}      lines kept when flag is false
// A name the values lack, a value of the wrong kind or an unclosed section is an error: templates ship
// with the code that fills them, so a mismatch is a bug to see at once, never a blank in a hook.

export type TemplateValues = Readonly<Record<string, string | boolean>>;

const SECTION = /^\s*\{\{([#^/])([A-Za-z][\w-]*)\}\}\s*$/;
const VALUE = /\{\{([A-Za-z][\w-]*)\}\}/g;

export class TemplateError extends Error {}

export function renderTemplate(text: string, values: TemplateValues, name: string): string {
  const out: string[] = [];
  // Open sections, innermost last: whether each keeps its lines.
  const open: { flag: string; keep: boolean }[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const where = `${name}:${index + 1}`;
    const section = SECTION.exec(line);
    if (section) {
      const [, kind, flag = ''] = section;
      if (kind === '/') {
        const last = open.pop();
        if (last?.flag !== flag)
          throw new TemplateError(`${where}: {{/${flag}}} closes ${last ? `{{#${last.flag}}}` : 'nothing'}`);
        return;
      }
      const value = values[flag];
      if (typeof value !== 'boolean')
        throw new TemplateError(
          `${where}: section ${flag} needs a true/false value, has ${JSON.stringify(value)}`,
        );
      open.push({ flag, keep: kind === '#' ? value : !value });
      return;
    }
    if (open.some((s) => !s.keep)) return;
    out.push(
      line.replace(VALUE, (_match, key: string) => {
        const value = values[key];
        if (typeof value !== 'string')
          throw new TemplateError(`${where}: {{${key}}} needs a text value, has ${JSON.stringify(value)}`);
        return value;
      }),
    );
  });
  if (open.length > 0) throw new TemplateError(`${name}: {{#${open.at(-1)?.flag}}} is never closed`);
  const rendered = out.join('\n');
  // A section marker left over had text beside it. (Other braces pass: CircleCI's own
  // `{{ checksum "package-lock.json" }}` is the file's text, not a marker.)
  const stray = /\{\{[#^/][A-Za-z][\w-]*\}\}/.exec(rendered);
  if (stray) throw new TemplateError(`${name}: ${stray[0]} must stand alone on its line`);
  return rendered;
}

// A strict reader of the XML the local cloud writes: one root element, balanced tags, only the five
// predefined entities and character references, every character (raw or referenced) allowed by
// XML 1.0's Char production, no `]]>` in text. Stricter than the SDK's parser on purpose: a
// response that passes here parses in every client (the AWS CLI's Python, Java's, Go's).

export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly (XmlElement | string)[];
}

export class XmlSyntaxError extends Error {}

const NAME = /^[A-Za-z_:][A-Za-z0-9_.:-]*/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

function checkChars(text: string, where: string): void {
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (!isXmlChar(code))
      throw new XmlSyntaxError(`${where}: U+${code.toString(16).padStart(4, '0')} is not an XML character`);
  }
}

function decodeText(raw: string, where: string): string {
  if (raw.includes('<')) throw new XmlSyntaxError(`${where}: raw "<" in text`);
  return raw.replace(/&([^;]*);|&/g, (match, name: string | undefined) => {
    if (name === undefined) throw new XmlSyntaxError(`${where}: bare "&"`);
    const named = ENTITIES[name];
    if (named !== undefined) return named;
    const ref = /^#(?:x([0-9A-Fa-f]+)|(\d+))$/.exec(name);
    if (!ref) throw new XmlSyntaxError(`${where}: unknown entity ${match}`);
    const code = ref[1] !== undefined ? parseInt(ref[1], 16) : Number(ref[2]);
    if (!isXmlChar(code)) throw new XmlSyntaxError(`${where}: ${match} is not an XML character`);
    return String.fromCodePoint(code);
  });
}

export function parseStrictXml(text: string): XmlElement {
  checkChars(text, 'document');
  let position = 0;
  const rest = () => text.slice(position);
  const skipSpace = () => {
    while (position < text.length && /\s/.test(text[position] ?? '')) position++;
  };
  if (text.startsWith('<?xml')) {
    const end = text.indexOf('?>');
    if (end < 0) throw new XmlSyntaxError('unterminated XML declaration');
    position = end + 2;
  }
  skipSpace();

  function element(): XmlElement {
    if (text[position] !== '<') throw new XmlSyntaxError(`expected "<" at ${position}`);
    position++;
    const name = NAME.exec(rest())?.[0];
    if (!name) throw new XmlSyntaxError(`bad element name at ${position}`);
    position += name.length;
    const attributes: Record<string, string> = {};
    for (;;) {
      skipSpace();
      if (text.startsWith('/>', position)) {
        position += 2;
        return { name, attributes, children: [] };
      }
      if (text[position] === '>') {
        position++;
        break;
      }
      const attribute = /^([A-Za-z_:][A-Za-z0-9_.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/.exec(rest());
      if (!attribute) throw new XmlSyntaxError(`bad attribute in <${name}> at ${position}`);
      const attrName = attribute[1] as string;
      if (attrName in attributes) throw new XmlSyntaxError(`repeated attribute ${attrName} in <${name}>`);
      attributes[attrName] = decodeText(attribute[3] ?? attribute[4] ?? '', `<${name} ${attrName}>`);
      position += attribute[0].length;
    }
    const children: (XmlElement | string)[] = [];
    for (;;) {
      if (position >= text.length) throw new XmlSyntaxError(`<${name}> is never closed`);
      if (text.startsWith('</', position)) {
        const close = /^<\/([A-Za-z_:][A-Za-z0-9_.:-]*)\s*>/.exec(rest());
        if (!close || close[1] !== name)
          throw new XmlSyntaxError(`<${name}> closed by ${rest().slice(0, 40)}`);
        position += close[0].length;
        return { name, attributes, children };
      }
      if (text.startsWith('<![CDATA[', position)) {
        const end = text.indexOf(']]>', position);
        if (end < 0) throw new XmlSyntaxError('unterminated CDATA');
        children.push(text.slice(position + 9, end));
        position = end + 3;
        continue;
      }
      if (text[position] === '<') {
        children.push(element());
        continue;
      }
      const next = text.indexOf('<', position);
      const raw = text.slice(position, next < 0 ? text.length : next);
      if (raw.includes(']]>')) throw new XmlSyntaxError(`"]]>" in the text of <${name}>`);
      children.push(decodeText(raw, `<${name}>`));
      position += raw.length;
    }
  }

  const root = element();
  skipSpace();
  if (position !== text.length)
    throw new XmlSyntaxError(`content after the root element: ${rest().slice(0, 40)}`);
  return root;
}

/** The concatenated text of an element. */
export function textOf(element: XmlElement): string {
  return element.children.map((child) => (typeof child === 'string' ? child : textOf(child))).join('');
}

/** Every descendant element named `name`, in document order. */
export function findAll(element: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  for (const child of element.children) {
    if (typeof child === 'string') continue;
    if (child.name === name) found.push(child);
    found.push(...findAll(child, name));
  }
  return found;
}

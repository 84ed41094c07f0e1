// A small, strict XML well-formedness check and the JUnit structure CircleCI reads: enough to prove
// the report parses, without a parser dependency the project does not have.
import assert from 'node:assert/strict';

interface Element {
  name: string;
  attributes: Record<string, string>;
  children: Element[];
  text: string;
}

const NAME = /^[A-Za-z_][\w.-]*/;

function decode(text: string, where: number): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);|&/g, (match, entity: string | undefined) => {
    if (!entity) throw new Error(`bare & at ${where}`);
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)));
    const known: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    const value = known[entity];
    if (value === undefined) throw new Error(`unknown entity &${entity}; at ${where}`);
    return value;
  });
}

/** Parses well-formed XML (elements, attributes, text, the declaration); throws on anything else. */
export function parseXml(xml: string): Element {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`not well-formed XML at ${i}: ${why}`);
  };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(xml)) fail('control character');
  if (xml.startsWith('<?xml')) {
    i = xml.indexOf('?>');
    if (i < 0) fail('unterminated declaration');
    i += 2;
  }
  const skipSpace = () => {
    while (i < xml.length && /\s/.test(xml[i] ?? '')) i++;
  };
  const element = (): Element => {
    if (xml[i] !== '<') fail('expected <');
    i++;
    const name = NAME.exec(xml.slice(i))?.[0] ?? fail('element name');
    i += name.length;
    const attributes: Record<string, string> = {};
    for (;;) {
      skipSpace();
      if (xml.startsWith('/>', i)) {
        i += 2;
        return { name, attributes, children: [], text: '' };
      }
      if (xml[i] === '>') {
        i++;
        break;
      }
      const attr = NAME.exec(xml.slice(i))?.[0] ?? fail('attribute name');
      i += attr.length;
      if (xml[i] !== '=' || xml[i + 1] !== '"') fail(`attribute ${attr} needs ="…"`);
      const end = xml.indexOf('"', i + 2);
      if (end < 0) fail('unterminated attribute');
      const raw = xml.slice(i + 2, end);
      if (raw.includes('<')) fail('< in attribute');
      if (attr in attributes) fail(`duplicate attribute ${attr}`);
      attributes[attr] = decode(raw, i);
      i = end + 1;
    }
    const children: Element[] = [];
    let text = '';
    for (;;) {
      if (i >= xml.length) fail(`unclosed <${name}>`);
      if (xml.startsWith('</', i)) {
        i += 2;
        const close = NAME.exec(xml.slice(i))?.[0] ?? fail('closing name');
        if (close !== name) fail(`</${close}> closes <${name}>`);
        i += close.length;
        skipSpace();
        if (xml[i] !== '>') fail('expected >');
        i++;
        return { name, attributes, children, text };
      }
      if (xml[i] === '<') children.push(element());
      else {
        const next = xml.indexOf('<', i);
        const end = next < 0 ? xml.length : next;
        const raw = xml.slice(i, end);
        if (raw.includes('>') && raw.includes(']]>')) fail(']]> in text');
        text += decode(raw, i);
        i = end;
      }
    }
  };
  skipSpace();
  const root = element();
  skipSpace();
  if (i !== xml.length) fail('content after the root element');
  return root;
}

/** Checks the JUnit structure and returns the names of the failed test cases. */
export function checkJunit(xml: string): { cases: number; failedNames: string[] } {
  const root = parseXml(xml);
  assert.equal(root.name, 'testsuites');
  const suites = root.children.filter((c) => c.name === 'testsuite');
  assert.ok(suites.length > 0, 'at least one testsuite');
  const failedNames: string[] = [];
  let cases = 0;
  for (const suite of suites) {
    const testcases = suite.children.filter((c) => c.name === 'testcase');
    assert.equal(Number(suite.attributes.tests), testcases.length, 'tests= counts the test cases');
    const failures = testcases.filter((t) => t.children.some((c) => c.name === 'failure'));
    assert.equal(Number(suite.attributes.failures), failures.length, 'failures= counts the failures');
    for (const t of testcases) {
      assert.ok(t.attributes.name && t.attributes.classname, 'every test case has a name and a classname');
    }
    failedNames.push(...failures.map((t) => t.attributes.name ?? ''));
    cases += testcases.length;
  }
  return { cases, failedNames };
}

// JUnit XML, as CircleCI's Tests tab reads it: one <testsuites> holding one <testsuite> with its
// properties and test cases. The verify and gate reports describe their cases; this module writes
// them and is the one place their text is escaped.

export interface JunitCase {
  readonly classname: string;
  readonly name: string;
  /** How long the case took; absent: `time="0"`. */
  readonly timeMs?: number;
  readonly failure?: { readonly message: string; readonly type: string; readonly body: string };
  readonly skipped?: { readonly message: string };
  /** Output kept with the case (`<system-out>`). */
  readonly output?: string;
}

export interface JunitSuite {
  readonly name: string;
  /** ISO-8601. */
  readonly timestamp: string;
  /** How long the whole suite took; absent: no `time` attribute. */
  readonly timeMs?: number;
  readonly properties: readonly (readonly [name: string, value: string | number])[];
  readonly cases: readonly JunitCase[];
}

export function junitXml(suite: JunitSuite): string {
  const failures = suite.cases.filter((c) => c.failure).length;
  const skipped = suite.cases.filter((c) => c.skipped && !c.failure).length;
  const attributes = [
    `name="${xmlAttribute(suite.name)}"`,
    `tests="${suite.cases.length}"`,
    `failures="${failures}"`,
    'errors="0"',
    `skipped="${skipped}"`,
    ...(suite.timeMs === undefined ? [] : [`time="${seconds(suite.timeMs)}"`]),
    `timestamp="${xmlAttribute(suite.timestamp)}"`,
  ].join(' ');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attributes}>`,
    `  <testsuite ${attributes}>`,
    '    <properties>',
    ...suite.properties.map(
      ([name, value]) =>
        `      <property name="${xmlAttribute(name)}" value="${xmlAttribute(String(value))}"/>`,
    ),
    '    </properties>',
    ...suite.cases.map((c) => `    ${testCase(c)}`),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function testCase(c: JunitCase): string {
  const time = c.timeMs === undefined ? '0' : seconds(c.timeMs);
  const head = `<testcase classname="${xmlAttribute(c.classname)}" name="${xmlAttribute(c.name)}" time="${time}"`;
  const verdict = c.failure
    ? `<failure message="${xmlAttribute(c.failure.message)}" type="${xmlAttribute(c.failure.type)}">${xmlText(c.failure.body)}</failure>`
    : c.skipped
      ? `<skipped message="${xmlAttribute(c.skipped.message)}"/>`
      : '';
  const output = c.output === undefined ? '' : `<system-out>${xmlText(c.output)}</system-out>`;
  return verdict === '' && output === '' ? `${head}/>` : `${head}>${verdict}${output}</testcase>`;
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/**
 * Characters XML 1.0 cannot carry at all, not even escaped (C0 controls but tab, LF and CR, U+FFFE,
 * U+FFFF, lone surrogates); log tails and test output may hold them, so they become U+FFFD.
 */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Element text. */
export function xmlText(value: string): string {
  return value.replace(NOT_XML, '\ufffd').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value in double quotes; line breaks and tabs kept as character references. */
export function xmlAttribute(value: string): string {
  return xmlText(value)
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

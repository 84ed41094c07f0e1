// tier: unit
// The one JUnit writer behind the verify and gate reports: counts, times, and text that XML cannot
// carry as it is (markup, quotes, line breaks, control characters, lone surrogates).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { junitXml, xmlAttribute, xmlText } from '../../src/log/junit.js';
import { checkJunit, parseXml } from '../verify/junit-xml.js';

const hostile = 'a <b> & "c"\n\tline\r\u0007 \ud800 end';

describe('junitXml', () => {
  const xml = junitXml({
    name: `suite ${hostile}`,
    timestamp: '2024-05-01T12:00:00.000Z',
    timeMs: 1500,
    properties: [
      ['revision', hostile],
      ['looks', 3],
    ],
    cases: [
      { classname: 'c.pass', name: 'passes' },
      {
        classname: 'c.fail',
        name: `fails ${hostile}`,
        failure: { message: hostile, type: 'x', body: hostile },
      },
      { classname: 'c.skip', name: 'skipped', skipped: { message: hostile } },
      { classname: 'c.out', name: 'with output', timeMs: 250, output: hostile },
    ],
  });

  it('is well-formed and counts tests, failures and skipped cases', () => {
    const junit = checkJunit(xml);
    assert.equal(junit.cases, 4);
    assert.deepEqual(junit.failedNames, ['fails a <b> & "c"\n\tline\r\ufffd \ufffd end']);
    const suite = parseXml(xml).children[0];
    assert.equal(suite?.attributes.skipped, '1');
    assert.equal(suite?.attributes.time, '1.500');
    assert.equal(suite?.children.find((c) => c.attributes.name === 'with output')?.attributes.time, '0.250');
    assert.equal(suite?.children.find((c) => c.attributes.name === 'passes')?.attributes.time, '0');
  });

  it('keeps attribute values whole (line breaks and tabs included) and text as it was', () => {
    const suite = parseXml(xml).children[0];
    const revision = suite?.children[0]?.children.find((p) => p.attributes.name === 'revision');
    assert.equal(revision?.attributes.value, 'a <b> & "c"\n\tline\r\ufffd \ufffd end');
    const failed = suite?.children.find((c) => c.attributes.classname === 'c.fail')?.children[0];
    assert.equal(failed?.name, 'failure');
    assert.equal(failed?.text, 'a <b> & "c"\n\tline\r\ufffd \ufffd end');
  });

  it('leaves the time attribute out of a suite with no duration', () => {
    const bare = junitXml({ name: 's', timestamp: 't', properties: [], cases: [] });
    assert.match(bare, /<testsuite name="s" tests="0" failures="0" errors="0" skipped="0" timestamp="t">/);
  });
});

describe('XML escaping', () => {
  it('escapes markup in text, and quotes and whitespace in attributes', () => {
    assert.equal(xmlText('<a & b>'), '&lt;a &amp; b&gt;');
    assert.equal(xmlAttribute('"x"\n\r\t'), '&quot;x&quot;&#10;&#13;&#9;');
  });

  it('replaces what XML 1.0 cannot carry with U+FFFD and keeps astral characters', () => {
    assert.equal(xmlText('\u0000\u001b\ufffe\uffff\udc00'), '\ufffd'.repeat(5));
    assert.equal(xmlText('😀\t\n'), '😀\t\n');
  });
});

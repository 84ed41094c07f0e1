// The report's page as a tree with its text in document order, for the unit tests: the page is
// written to be well-formed XML as well as HTML, so parseXml (test/verify/junit-xml.ts) proves it
// parses and this reads it (elements, attributes, text; nothing else is expected in it).
import assert from 'node:assert/strict';
import { parseXml } from '../verify/junit-xml.js';

export interface Node {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly (Node | string)[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (_, e: string) =>
    e.startsWith('#x')
      ? String.fromCodePoint(parseInt(e.slice(2), 16))
      : e.startsWith('#')
        ? String.fromCodePoint(Number(e.slice(1)))
        : (ENTITIES[e] ?? `&${e};`),
  );
}

/** The page's root element; fails the test unless the page is well-formed. */
export function parsePage(page: string): Node {
  assert.ok(page.startsWith('<!DOCTYPE html>\n<html lang="en">'), page.slice(0, 80));
  const xml = page.replace(/^<!DOCTYPE html>\n/, '');
  parseXml(xml);
  const root: { name: string; attributes: Record<string, string>; children: (Node | string)[] } = {
    name: '#document',
    attributes: {},
    children: [],
  };
  const stack = [root];
  const token = /<!--[\s\S]*?-->|<\/([\w:-]+)\s*>|<([\w:-]+)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>|([^<]+)/g;
  for (let m = token.exec(xml); m; m = token.exec(xml)) {
    const top = stack[stack.length - 1] as (typeof stack)[0];
    if (m[1]) stack.pop();
    else if (m[2]) {
      const attributes: Record<string, string> = {};
      for (const a of (m[3] ?? '').matchAll(/([\w:-]+)="([^"]*)"/g))
        attributes[a[1] as string] = decode(a[2] ?? '');
      const node = { name: m[2], attributes, children: [] as (Node | string)[] };
      top.children.push(node);
      if (m[4] !== '/') stack.push(node);
    } else if (m[5]) top.children.push(decode(m[5]));
  }
  const html = root.children.find((c): c is Node => typeof c !== 'string');
  assert.ok(html);
  return html;
}

/** The node and every element under it with this name. */
export function all(node: Node, name: string): Node[] {
  return [
    ...(node.name === name ? [node] : []),
    ...node.children.flatMap((c) => (typeof c === 'string' ? [] : all(c, name))),
  ];
}

/** The text under the node in document order, runs of white space made one space, trimmed. */
export function text(node: Node): string {
  return raw(node).replace(/\s+/g, ' ').trim();
}

/** The text as it is (for <pre>). */
export function raw(node: Node): string {
  return node.children.map((c) => (typeof c === 'string' ? c : raw(c))).join('');
}

export function byClass(node: Node, name: string, className: string): Node[] {
  return all(node, name).filter((n) => (n.attributes.class ?? '').split(' ').includes(className));
}

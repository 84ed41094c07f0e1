// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  displayWidth,
  hangingWrap,
  stripAnsi,
  truncateEnd,
  truncateMiddle,
  wrapText,
} from '../../src/log/width.js';

describe('display width', () => {
  it('counts terminal columns, not code units: wide CJK and emoji take two, marks and escapes none', () => {
    assert.equal(displayWidth('abc'), 3);
    assert.equal(displayWidth('✓ ✗ → · …'), 9);
    assert.equal(displayWidth('日本語'), 6);
    assert.equal(displayWidth('🚀 ok'), 5);
    assert.equal(displayWidth('e\u0301'), 1, 'a combining accent takes no column');
    assert.equal(displayWidth('\x1b[31mred\x1b[0m'), 3);
    assert.equal(stripAnsi('\x1b[1mbold\x1b[0m'), 'bold');
  });

  it('truncateEnd fits the columns and says it cut, never splitting a wide character', () => {
    assert.equal(truncateEnd('short', 10), 'short');
    assert.equal(truncateEnd('0123456789abc', 10), '012345678…');
    const cut = truncateEnd('日本語日本語', 6);
    assert.ok(displayWidth(cut) <= 6, cut);
    assert.ok(cut.endsWith('…'));
  });

  it('truncateMiddle keeps both ends of an id or a path', () => {
    assert.equal(truncateMiddle('hooks/deep/path/after-install.sh', 20), 'hooks/deep…nstall.sh');
    assert.equal(displayWidth(truncateMiddle('hooks/deep/path/after-install.sh', 20)), 20);
    assert.equal(truncateMiddle('i-0123456789abcdef0', 19), 'i-0123456789abcdef0');
  });

  it('wrapText wraps at spaces, keeps the leading indent and indents the rest', () => {
    const lines = wrapText(`  ${'word '.repeat(30).trim()}`, 40, '    ');
    assert.ok(lines.length > 1);
    assert.ok(lines[0]?.startsWith('  word'));
    for (const line of lines) assert.ok(displayWidth(line) <= 40, line);
    for (const line of lines.slice(1)) assert.ok(line.startsWith('    word'), line);
  });

  it('hangingWrap keeps the prefix as given and lines the rest up under the text', () => {
    const lines = hangingWrap(
      '  ✓ rule        ',
      'a summary that is long enough to wrap onto a second line',
      40,
    );
    assert.equal(lines[0]?.slice(0, 16), '  ✓ rule        ');
    assert.ok(lines[1]?.startsWith(`${' '.repeat(16)}a`) || lines[1]?.startsWith(' '.repeat(16)));
    for (const line of lines) assert.ok(displayWidth(line) <= 40, line);
  });
});

// Display width: how many terminal columns a string takes. A terminal wraps by columns, not by
// UTF-16 code units, so everything that must fit a line (the redrawn status line, the tables) is
// measured and cut with these. Escape sequences take no columns; combining marks and zero-width
// characters take none; East Asian wide and fullwidth characters and emoji take two.

// eslint-disable-next-line no-control-regex -- matching escape sequences is the point
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/gy;

/** Strips ANSI escape sequences (CSI, OSC and two-character escapes). */
export function stripAnsi(text: string): string {
  return text.replace(new RegExp(ANSI.source, 'g'), '');
}

/** Columns one code point takes: 0, 1 or 2. */
export function codePointWidth(cp: number): 0 | 1 | 2 {
  // C0/C1 controls and DEL: nothing visible (a tab or newline is never inside a measured line).
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (isZeroWidth(cp)) return 0;
  return isWide(cp) ? 2 : 1;
}

function isZeroWidth(cp: number): boolean {
  return (
    (cp >= 0x0300 && cp <= 0x036f) || // combining diacritical marks
    (cp >= 0x0483 && cp <= 0x0489) ||
    (cp >= 0x0591 && cp <= 0x05bd) ||
    (cp >= 0x0610 && cp <= 0x061a) ||
    (cp >= 0x064b && cp <= 0x065f) ||
    (cp >= 0x1ab0 && cp <= 0x1aff) ||
    (cp >= 0x1dc0 && cp <= 0x1dff) ||
    (cp >= 0x200b && cp <= 0x200f) || // zero-width space, joiners, marks
    (cp >= 0x2028 && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x2064) ||
    (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) || // variation selectors
    (cp >= 0xfe20 && cp <= 0xfe2f) ||
    cp === 0xfeff ||
    (cp >= 0xe0100 && cp <= 0xe01ef)
  );
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) || // Hangul Jamo
    (cp >= 0x231a && cp <= 0x231b) ||
    (cp >= 0x2329 && cp <= 0x232a) ||
    (cp >= 0x23e9 && cp <= 0x23ec) ||
    cp === 0x23f0 ||
    cp === 0x23f3 ||
    (cp >= 0x25fd && cp <= 0x25fe) ||
    (cp >= 0x2614 && cp <= 0x2615) ||
    (cp >= 0x2648 && cp <= 0x2653) ||
    cp === 0x267f ||
    cp === 0x2693 ||
    cp === 0x26a1 ||
    (cp >= 0x26aa && cp <= 0x26ab) ||
    (cp >= 0x26bd && cp <= 0x26be) ||
    (cp >= 0x26c4 && cp <= 0x26c5) ||
    cp === 0x26ce ||
    cp === 0x26d4 ||
    cp === 0x26ea ||
    (cp >= 0x26f2 && cp <= 0x26f3) ||
    cp === 0x26f5 ||
    cp === 0x26fa ||
    cp === 0x26fd ||
    cp === 0x2705 ||
    (cp >= 0x270a && cp <= 0x270b) ||
    cp === 0x2728 ||
    cp === 0x274c ||
    cp === 0x274e ||
    (cp >= 0x2753 && cp <= 0x2755) ||
    cp === 0x2757 ||
    (cp >= 0x2795 && cp <= 0x2797) ||
    cp === 0x27b0 ||
    cp === 0x27bf ||
    (cp >= 0x2b1b && cp <= 0x2b1c) ||
    cp === 0x2b50 ||
    cp === 0x2b55 ||
    (cp >= 0x2e80 && cp <= 0x303e) || // CJK radicals, punctuation
    (cp >= 0x3041 && cp <= 0x33ff) || // kana, CJK compatibility
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) || // CJK unified ideographs
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xa960 && cp <= 0xa97f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) || // Hangul syllables
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe10 && cp <= 0xfe19) ||
    (cp >= 0xfe30 && cp <= 0xfe6f) ||
    (cp >= 0xff00 && cp <= 0xff60) || // fullwidth forms
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f004 && cp <= 0x1f004) ||
    cp === 0x1f0cf ||
    cp === 0x1f18e ||
    (cp >= 0x1f191 && cp <= 0x1f19a) ||
    (cp >= 0x1f200 && cp <= 0x1f251) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) || // pictographs, emoticons
    (cp >= 0x1f680 && cp <= 0x1f6ff) ||
    (cp >= 0x1f7e0 && cp <= 0x1f7eb) ||
    (cp >= 0x1f90c && cp <= 0x1f9ff) ||
    (cp >= 0x1fa70 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** Columns `text` takes on a terminal (ANSI escapes excluded). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of stripAnsi(text)) width += codePointWidth(ch.codePointAt(0) ?? 0);
  return width;
}

/** The longest prefix of `text` that fits `columns` (escape sequences kept, never cut in half). */
function prefixFitting(text: string, columns: number): { text: string; width: number } {
  let out = '';
  let width = 0;
  let i = 0;
  while (i < text.length) {
    ANSI.lastIndex = i;
    const escape = ANSI.exec(text);
    if (escape) {
      out += escape[0];
      i += escape[0].length;
      continue;
    }
    const cp = text.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(cp);
    const w = codePointWidth(cp);
    if (width + w > columns) break;
    out += ch;
    width += w;
    i += ch.length;
  }
  return { text: out, width };
}

/**
 * `text` cut to at most `columns` display columns, ending in `…` when it was cut. A line written with
 * this never wraps, so `\r` and erase-line redraw it in place.
 */
export function truncateEnd(text: string, columns: number): string {
  if (columns <= 0) return '';
  if (displayWidth(text) <= columns) return text;
  const cut = prefixFitting(text, columns - 1);
  const reset = cut.text.includes('\x1b[') ? '\x1b[0m' : '';
  return `${cut.text}${reset}…`;
}

/**
 * `text` shortened to at most `columns` columns by an ellipsis in the middle, keeping its start and its
 * end (`i-0123…cdef0`, `hooks/…/after-install.sh`): ids and paths differ at both ends. Plain text only.
 */
export function truncateMiddle(text: string, columns: number): string {
  if (columns <= 0) return '';
  if (displayWidth(text) <= columns) return text;
  if (columns === 1) return '…';
  const chars = [...text];
  const room = columns - 1;
  const headRoom = Math.ceil(room / 2);
  const head = prefixFitting(text, headRoom);
  let tail = '';
  let tailWidth = 0;
  for (let k = chars.length - 1; k >= 0; k -= 1) {
    const ch = chars[k] ?? '';
    const w = codePointWidth(ch.codePointAt(0) ?? 0);
    if (head.width + tailWidth + w > room) break;
    tail = ch + tail;
    tailWidth += w;
  }
  return `${head.text}…${tail}`;
}

/** Pads `text` with spaces to `columns` display columns. */
export function padEndToWidth(text: string, columns: number): string {
  const width = displayWidth(text);
  return width >= columns ? text : text + ' '.repeat(columns - width);
}

/**
 * Wraps `text` at spaces into lines of at most `columns` columns; the lines after the first start with
 * `indent`. A word longer than a line is cut in the middle rather than left to the terminal.
 */
export function wrapText(text: string, columns: number, indent = ''): string[] {
  const lead = /^ */.exec(text)?.[0] ?? '';
  const words = text.slice(lead.length).split(/ +/);
  const lines: string[] = [];
  let line = lead;
  let empty = true;
  const limit = (): number => Math.max(1, columns - (lines.length === 0 ? 0 : displayWidth(indent)));
  for (const word of words) {
    const candidate = empty ? `${line}${word}` : `${line} ${word}`;
    if (displayWidth(candidate) <= limit()) {
      line = candidate;
      empty = false;
      continue;
    }
    if (!empty) {
      lines.push(line);
      line = '';
    }
    const room = limit() - displayWidth(line);
    line = `${line}${displayWidth(word) > room ? truncateMiddle(word, room) : word}`;
    empty = false;
  }
  lines.push(line);
  return lines.map((l, k) => (k === 0 ? l : `${indent}${l}`));
}

/**
 * `prefix` then `text` wrapped to `columns`, the continuation lines indented to where `text` began
 * (a hanging indent), the prefix kept exactly as given (padding included).
 */
export function hangingWrap(prefix: string, text: string, columns: number): string[] {
  const indent = ' '.repeat(displayWidth(prefix));
  const room = Math.max(10, columns - indent.length);
  return wrapText(text, room, '').map((line, k) => (k === 0 ? `${prefix}${line}` : `${indent}${line}`));
}

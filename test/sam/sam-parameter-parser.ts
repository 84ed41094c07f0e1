// SAM CLI's reading of --parameter-overrides (samcli/cli/types.py, CfnParameterOverridesType and
// _unquote_wrapped_quotes), ported line for line to serve as the oracle the wrapper's encoding is
// tested against. Python's `re` and JavaScript agree on every construct used here (`.` excludes
// line feeds in both).

const KEY = `([A-Za-z0-9"']+)`;

function valueRegex(delimiter: string): string {
  return `("(?:\\\\.|[^"\\\\]+)*"|'(?:\\\\.|[^'\\\\]+)*'|(?:\\\\.|[^${delimiter}"\\\\]+)+)`;
}

const VALUE = valueRegex(' ');
const PATTERN_1 = `(?:ParameterKey=${KEY},ParameterValue=${VALUE})`;
const PATTERN_2 = `(?:(?: )${KEY}=${VALUE})`;

function unquoteWrappedQuotes(value: string): string {
  let text = value;
  if (
    text.length > 0 &&
    ((text[0] === '"' && text.at(-1) === '"') || (text[0] === "'" && text.at(-1) === "'"))
  ) {
    text = text.slice(1, -1);
  }
  return text.replaceAll('\\ ', ' ').replaceAll('\\"', '"').replaceAll("\\'", "'");
}

/** What `sam deploy --parameter-overrides <each of values>` hands CloudFormation. */
export function samParameterOverrides(values: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const value of values) {
    // Python's str.strip() and JavaScript's trim() differ only on exotic whitespace.
    const normalized = ` ${value.trim()}`;
    const pattern = [PATTERN_1, PATTERN_2].find((candidate) => new RegExp(candidate).test(normalized));
    if (pattern === undefined) throw new Error(`${value} is not in valid format`);
    for (const match of normalized.matchAll(new RegExp(pattern, 'g'))) {
      result[unquoteWrappedQuotes(match[1]!)] = unquoteWrappedQuotes(match[2]!);
    }
  }
  return result;
}

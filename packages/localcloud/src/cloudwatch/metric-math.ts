// Metric math, the part alarms and GetMetricData need: arithmetic (+ - * / ^), comparisons
// (> < >= <= == !=), AND/OR (&& ||), and the functions IF, FILL and ABS, over time series and
// numbers. Pure: the caller resolves ids to series.
//
// As CloudWatch does, an operation between two series has a value only at the timestamps both have,
// a series and a number combine point by point, division by zero has no value, and FILL gives every
// period of the query a value. A function CloudWatch has and this does not is refused by name, so an
// expression is never evaluated to something else.

/** Values by period start; `grid` is every period of the query (what FILL fills). */
export interface Series {
  readonly values: ReadonlyMap<number, number>;
}

export type MathValue = number | Series;

export class MetricMathError extends Error {}

type Node =
  | { kind: 'number'; value: number }
  | { kind: 'id'; name: string }
  | { kind: 'unary'; op: '-' | 'NOT'; operand: Node }
  | { kind: 'binary'; op: string; left: Node; right: Node }
  | { kind: 'call'; name: string; args: Node[] };

const SUPPORTED_FUNCTIONS = new Set(['IF', 'FILL', 'ABS']);

interface Token {
  readonly type: 'number' | 'name' | 'op' | '(' | ')' | ',';
  readonly text: string;
}

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const pattern =
    /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|(>=|<=|==|!=|&&|\|\||[-+*/^<>])|([(),]))/y;
  let index = 0;
  while (index < expression.length) {
    if (/^\s*$/.test(expression.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(expression);
    if (!match) throw new MetricMathError(`Unexpected character at position ${index + 1} in the expression.`);
    index = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ type: 'number', text: match[1] });
    else if (match[2] !== undefined) tokens.push({ type: 'name', text: match[2] });
    else if (match[3] !== undefined) tokens.push({ type: 'op', text: match[3] });
    else tokens.push({ type: match[4] as '(' | ')' | ',', text: match[4] as string });
  }
  return tokens;
}

/** Parses an expression; throws MetricMathError naming what is wrong. */
export function parseExpression(expression: string): Node {
  const tokens = tokenize(expression);
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const isOp = (...ops: string[]): boolean => {
    const t = peek();
    return (
      t !== undefined &&
      (t.type === 'op' || t.type === 'name') &&
      ops.includes(t.type === 'name' ? t.text.toUpperCase() : t.text)
    );
  };
  const expect = (type: Token['type']): Token => {
    const t = peek();
    if (!t || t.type !== type)
      throw new MetricMathError(`Syntax error in the expression: expected '${type}'.`);
    at++;
    return t;
  };
  const binaryLevel =
    (ops: string[], next: () => Node, normalize: (op: string) => string = (op) => op) =>
    (): Node => {
      let left = next();
      while (isOp(...ops)) {
        const token = tokens[at++] as Token;
        const op = normalize(token.type === 'name' ? token.text.toUpperCase() : token.text);
        left = { kind: 'binary', op, left, right: next() };
      }
      return left;
    };
  const primary = (): Node => {
    const t = peek();
    if (!t) throw new MetricMathError('Syntax error in the expression: it ends too soon.');
    if (t.type === 'number') {
      at++;
      return { kind: 'number', value: Number(t.text) };
    }
    if (t.type === '(') {
      at++;
      const inner = or();
      expect(')');
      return inner;
    }
    if (t.type === 'name') {
      at++;
      if (peek()?.type === '(') {
        at++;
        const name = t.text.toUpperCase();
        const args: Node[] = [];
        if (peek()?.type !== ')') {
          args.push(or());
          while (peek()?.type === ',') {
            at++;
            args.push(or());
          }
        }
        expect(')');
        if (!SUPPORTED_FUNCTIONS.has(name))
          throw new MetricMathError(
            `The local cloud's metric math does not support the function ${name}: only ${[...SUPPORTED_FUNCTIONS].join(', ')}.`,
          );
        return { kind: 'call', name, args };
      }
      return { kind: 'id', name: t.text };
    }
    throw new MetricMathError(`Syntax error in the expression near '${t.text}'.`);
  };
  const unary = (): Node => {
    if (isOp('-')) {
      at++;
      return { kind: 'unary', op: '-', operand: unary() };
    }
    if (isOp('NOT')) {
      at++;
      return { kind: 'unary', op: 'NOT', operand: unary() };
    }
    return power();
  };
  const power = (): Node => {
    const base = primary();
    if (isOp('^')) {
      at++;
      return { kind: 'binary', op: '^', left: base, right: unary() };
    }
    return base;
  };
  const multiplicative = binaryLevel(['*', '/'], unary);
  const additive = binaryLevel(['+', '-'], multiplicative);
  const comparison = binaryLevel(['>', '<', '>=', '<=', '==', '!='], additive);
  const and = binaryLevel(['&&', 'AND'], comparison, () => '&&');
  const or = binaryLevel(['||', 'OR'], and, () => '||');
  const tree = or();
  if (at < tokens.length)
    throw new MetricMathError(`Syntax error in the expression near '${tokens[at]?.text}'.`);
  return tree;
}

/** The ids an expression reads (to order queries and check they exist). */
export function referencedIds(node: Node): string[] {
  switch (node.kind) {
    case 'number':
      return [];
    case 'id':
      return [node.name];
    case 'unary':
      return referencedIds(node.operand);
    case 'binary':
      return [...referencedIds(node.left), ...referencedIds(node.right)];
    case 'call':
      return node.args.flatMap(referencedIds);
  }
}

export type ParsedExpression = ReturnType<typeof parseExpression>;

/**
 * Evaluates a parsed expression. `grid` is every period start of the query, oldest first; `lookup`
 * gives the series (or number) of an id.
 */
export function evaluateExpression(
  node: ParsedExpression,
  grid: readonly number[],
  lookup: (id: string) => MathValue | undefined,
): MathValue {
  const go = (n: Node): MathValue => {
    switch (n.kind) {
      case 'number':
        return n.value;
      case 'id': {
        const value = lookup(n.name);
        if (value === undefined)
          throw new MetricMathError(`Unrecognized metric id ${n.name} in the expression.`);
        return value;
      }
      case 'unary':
        return pointwise([go(n.operand)], ([v]) => (n.op === '-' ? -(v as number) : v === 0 ? 1 : 0));
      case 'binary':
        return pointwise([go(n.left), go(n.right)], ([a, b]) => binary(n.op, a as number, b as number));
      case 'call':
        return call(n.name, n.args.map(go), grid);
    }
  };
  return go(node);
}

function binary(op: string, a: number, b: number): number | undefined {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? undefined : a / b;
    case '^':
      return a ** b;
    case '>':
      return a > b ? 1 : 0;
    case '<':
      return a < b ? 1 : 0;
    case '>=':
      return a >= b ? 1 : 0;
    case '<=':
      return a <= b ? 1 : 0;
    case '==':
      return a === b ? 1 : 0;
    case '!=':
      return a !== b ? 1 : 0;
    case '&&':
      return a !== 0 && b !== 0 ? 1 : 0;
    case '||':
      return a !== 0 || b !== 0 ? 1 : 0;
  }
  throw new MetricMathError(`Unsupported operator ${op}.`);
}

function isSeries(value: MathValue): value is Series {
  return typeof value !== 'number';
}

/** Applies `fn` point by point: numbers broadcast, series meet at the timestamps they all have. */
function pointwise(args: MathValue[], fn: (values: number[]) => number | undefined): MathValue {
  const series = args.filter(isSeries);
  if (series.length === 0) {
    const result = fn(args as number[]);
    return result === undefined || !Number.isFinite(result) ? { values: new Map() } : result;
  }
  const out = new Map<number, number>();
  const first = series[0] as Series;
  for (const t of first.values.keys()) {
    const values: number[] = [];
    let complete = true;
    for (const arg of args) {
      const v = isSeries(arg) ? arg.values.get(t) : arg;
      if (v === undefined) {
        complete = false;
        break;
      }
      values.push(v);
    }
    if (!complete) continue;
    const result = fn(values);
    if (result !== undefined && Number.isFinite(result)) out.set(t, result);
  }
  return { values: new Map([...out].sort(([a], [b]) => a - b)) };
}

function call(name: string, args: MathValue[], grid: readonly number[]): MathValue {
  const at = (value: MathValue, t: number): number | undefined =>
    isSeries(value) ? value.values.get(t) : value;
  switch (name) {
    case 'ABS':
      if (args.length !== 1) throw new MetricMathError('ABS takes one argument.');
      return pointwise(args, ([v]) => Math.abs(v as number));
    case 'FILL': {
      if (args.length !== 2) throw new MetricMathError('FILL takes a time series and a value.');
      const [series, fill] = args as [MathValue, MathValue];
      if (!isSeries(series)) throw new MetricMathError('The first argument of FILL must be a time series.');
      const out = new Map<number, number>();
      for (const t of grid) {
        const v = series.values.get(t) ?? at(fill, t);
        if (v !== undefined) out.set(t, v);
      }
      return { values: out };
    }
    case 'IF': {
      if (args.length < 2 || args.length > 3)
        throw new MetricMathError('IF takes a condition, a value and an optional other value.');
      const [condition, whenTrue, whenFalse] = args as [MathValue, MathValue, MathValue | undefined];
      if (!isSeries(condition)) {
        return condition !== 0 ? whenTrue : (whenFalse ?? { values: new Map() });
      }
      const out = new Map<number, number>();
      for (const [t, c] of condition.values) {
        const v = c !== 0 ? at(whenTrue, t) : whenFalse === undefined ? undefined : at(whenFalse, t);
        if (v !== undefined) out.set(t, v);
      }
      return { values: out };
    }
  }
  throw new MetricMathError(`The local cloud's metric math does not support the function ${name}.`);
}

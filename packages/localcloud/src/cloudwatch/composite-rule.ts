// A composite alarm's AlarmRule (PutCompositeAlarm): functions of other alarms' states joined with
// AND, OR and NOT, grouped with parentheses — `ALARM("web-5xx") AND NOT OK(web-latency)`, `TRUE`,
// `FALSE`. An alarm is named by its name or its ARN, in double quotes or not. The composite is in
// ALARM when its rule is true and OK when it is false (INSUFFICIENT_DATA only until its first
// evaluation, at creation), as AWS documents PutCompositeAlarm.
import type { AlarmState } from '../ports.js';

export type RuleExpr =
  | { readonly kind: 'const'; readonly value: boolean }
  | { readonly kind: 'state'; readonly state: AlarmState; readonly alarm: string }
  | { readonly kind: 'not'; readonly operand: RuleExpr }
  | { readonly kind: 'and' | 'or'; readonly operands: readonly RuleExpr[] };

export class AlarmRuleError extends Error {}

const FUNCTIONS: readonly AlarmState[] = ['ALARM', 'OK', 'INSUFFICIENT_DATA'];

type Token =
  | { readonly kind: 'word'; readonly text: string; readonly at: number }
  | { readonly kind: 'quoted'; readonly text: string; readonly at: number }
  | { readonly kind: '(' | ')'; readonly at: number };

function tokenize(rule: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < rule.length) {
    const c = rule.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: c, at: i });
      i++;
    } else if (c === '"') {
      const end = rule.indexOf('"', i + 1);
      if (end < 0) throw new AlarmRuleError(`an unclosed quote at position ${i}`);
      tokens.push({ kind: 'quoted', text: rule.slice(i + 1, end), at: i });
      i = end + 1;
    } else {
      let j = i;
      while (j < rule.length && !/[\s()"]/.test(rule.charAt(j))) j++;
      tokens.push({ kind: 'word', text: rule.slice(i, j), at: i });
      i = j;
    }
  }
  return tokens;
}

/** Parses an AlarmRule; AlarmRuleError says what is wrong and where. */
export function parseAlarmRule(rule: string): RuleExpr {
  const tokens = tokenize(rule);
  let next = 0;
  const peek = (): Token | undefined => tokens[next];
  const where = (t: Token | undefined) => (t ? `at position ${t.at}` : 'at the end');
  const keyword = (t: Token | undefined, word: string) => t?.kind === 'word' && t.text === word;

  const primary = (): RuleExpr => {
    const t = tokens[next++];
    if (!t) throw new AlarmRuleError('the rule ends where a function, TRUE, FALSE or ( was expected');
    if (t.kind === '(') {
      const inner = or();
      if (tokens[next]?.kind !== ')') throw new AlarmRuleError(`a missing ) ${where(tokens[next])}`);
      next++;
      return inner;
    }
    if (keyword(t, 'TRUE')) return { kind: 'const', value: true };
    if (keyword(t, 'FALSE')) return { kind: 'const', value: false };
    if (t.kind === 'word' && FUNCTIONS.includes(t.text as AlarmState)) {
      if (tokens[next]?.kind !== '(') throw new AlarmRuleError(`${t.text} takes an alarm in ( ) ${where(t)}`);
      next++;
      // An unquoted name runs to the closing parenthesis.
      const parts: string[] = [];
      let quoted: string | undefined;
      while (next < tokens.length && tokens[next]?.kind !== ')') {
        const part = tokens[next++] as Token;
        if (part.kind === 'quoted') quoted = part.text;
        else if (part.kind === 'word') parts.push(part.text);
        else throw new AlarmRuleError(`an unexpected ( ${where(part)}`);
      }
      if (tokens[next]?.kind !== ')') throw new AlarmRuleError(`a missing ) after ${t.text}( ${where(t)}`);
      next++;
      const alarm = quoted ?? parts.join(' ');
      if (!alarm || (quoted !== undefined && parts.length > 0))
        throw new AlarmRuleError(`${t.text}() names no single alarm ${where(t)}`);
      return { kind: 'state', state: t.text as AlarmState, alarm };
    }
    throw new AlarmRuleError(
      `unexpected ${t.kind === ')' ? ')' : `"${'text' in t ? t.text : ''}"`} ${where(t)}`,
    );
  };
  const not = (): RuleExpr => {
    if (keyword(peek(), 'NOT')) {
      next++;
      return { kind: 'not', operand: not() };
    }
    return primary();
  };
  const chain = (word: 'AND' | 'OR', operand: () => RuleExpr): RuleExpr => {
    const operands = [operand()];
    while (keyword(peek(), word)) {
      next++;
      operands.push(operand());
    }
    return operands.length === 1
      ? (operands[0] as RuleExpr)
      : { kind: word === 'AND' ? 'and' : 'or', operands };
  };
  const and = () => chain('AND', not);
  const or = (): RuleExpr => chain('OR', and);

  if (tokens.length === 0) throw new AlarmRuleError('the rule is empty');
  const expr = or();
  if (next < tokens.length) throw new AlarmRuleError(`unexpected text ${where(tokens[next])}`);
  return expr;
}

/** The alarms a rule names (names or ARNs, as written). */
export function alarmsOf(expr: RuleExpr): string[] {
  switch (expr.kind) {
    case 'const':
      return [];
    case 'state':
      return [expr.alarm];
    case 'not':
      return alarmsOf(expr.operand);
    default:
      return [...new Set(expr.operands.flatMap(alarmsOf))];
  }
}

/** Whether the rule holds, given each named alarm's state (undefined: an alarm that is gone). */
export function evaluateRule(expr: RuleExpr, stateOf: (alarm: string) => AlarmState | undefined): boolean {
  switch (expr.kind) {
    case 'const':
      return expr.value;
    case 'state':
      return stateOf(expr.alarm) === expr.state;
    case 'not':
      return !evaluateRule(expr.operand, stateOf);
    case 'and':
      return expr.operands.every((e) => evaluateRule(e, stateOf));
    case 'or':
      return expr.operands.some((e) => evaluateRule(e, stateOf));
  }
}

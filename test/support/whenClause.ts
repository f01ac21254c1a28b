/**
 * A small evaluator of VS Code `when` clauses, enough for the ones in package.json: parentheses, `||`,
 * `&&`, `!`, `==`, `!=`, `=~ /regex/flags`, `true`, `false` and bare context keys, with VS Code's
 * precedence (`!` over `&&` over `||`). An unknown shape throws rather than guessing.
 */
export type Context = Readonly<Record<string, string | boolean | undefined>>;

type Token = { kind: '(' | ')' | '&&' | '||' | '!' } | { kind: 'term'; text: string };

export function evaluateWhen(clause: string | undefined, context: Context): boolean {
  if (clause === undefined) return true;
  const tokens = tokenize(clause);
  let i = 0;
  const peek = () => tokens[i];
  const orExpr = (): boolean => {
    let value = andExpr();
    while (peek()?.kind === '||') { i++; const right = andExpr(); value = value || right; }
    return value;
  };
  const andExpr = (): boolean => {
    let value = notExpr();
    while (peek()?.kind === '&&') { i++; const right = notExpr(); value = value && right; }
    return value;
  };
  const notExpr = (): boolean => {
    const token = tokens[i++];
    if (!token) throw new Error(`unexpected end of when clause: ${clause}`);
    if (token.kind === '!') return !notExpr();
    if (token.kind === '(') {
      const value = orExpr();
      if (tokens[i++]?.kind !== ')') throw new Error(`unbalanced parentheses: ${clause}`);
      return value;
    }
    if (token.kind === 'term') return evaluateTerm(token.text, context);
    throw new Error(`unexpected ${token.kind} in when clause: ${clause}`);
  };
  const value = orExpr();
  if (i !== tokens.length) throw new Error(`trailing tokens in when clause: ${clause}`);
  return value;
}

function tokenize(clause: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < clause.length) {
    const rest = clause.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) { i += space[0].length; continue; }
    const op = /^(&&|\|\||\(|\)|!(?!=))/.exec(rest);
    if (op) { tokens.push({ kind: op[1] as '(' }); i += op[1]!.length; continue; }
    // key =~ /regex/flags — the regex may hold parentheses and `|`, so it is read up to its unescaped `/`.
    const regex = /^[\w.]+\s*=~\s*\/((?:\\.|[^\\/])*)\/[a-z]*/.exec(rest);
    if (regex) { tokens.push({ kind: 'term', text: regex[0] }); i += regex[0].length; continue; }
    const term = /^[\w.]+(\s*(==|!=)\s*[^\s()&|]+)?/.exec(rest);
    if (!term) throw new Error(`cannot read when clause at "${rest}"`);
    tokens.push({ kind: 'term', text: term[0] });
    i += term[0].length;
  }
  return tokens;
}

function evaluateTerm(term: string, context: Context): boolean {
  if (term === 'true') return true;
  if (term === 'false') return false;
  const regex = /^([\w.]+)\s*=~\s*\/(.*)\/([a-z]*)$/.exec(term);
  if (regex) return new RegExp(regex[2]!, regex[3]).test(String(context[regex[1]!] ?? ''));
  const comparison = /^([\w.]+)\s*(==|!=)\s*(.+)$/.exec(term);
  if (comparison) {
    const equal = String(context[comparison[1]!] ?? '') === comparison[3]!.trim().replace(/^'(.*)'$/, '$1');
    return comparison[2] === '==' ? equal : !equal;
  }
  if (/^[\w.]+$/.test(term)) return Boolean(context[term]);
  throw new Error(`unsupported when clause term: ${term}`);
}

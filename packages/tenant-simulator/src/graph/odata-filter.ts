/**
 * A small OData `$filter` engine: enough of the grammar for the queries tapline makes
 * (`principalId eq '...'`, `targetResources/any(t: t/id eq '...') and activityDisplayName eq
 * '...' and activityDateTime ge 2024-01-01T00:00:00Z`, `startswith(...)`, `in (...)`).
 * String comparisons are case-insensitive, as the directory's are.
 */

export class FilterSyntaxError extends Error {}

type Value = string | number | boolean | null | { date: number };

type Node =
  | { kind: 'lit'; value: Value }
  | { kind: 'path'; segments: string[] }
  | { kind: 'list'; items: Node[] }
  | { kind: 'not'; operand: Node }
  | { kind: 'bool'; op: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'cmp'; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'in'; left: Node; right: Node }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'lambda'; collection: string[]; quantifier: 'any' | 'all'; variable: string; body: Node };

type Token = { t: 'str' | 'num' | 'date' | 'guid' | 'ident' | 'punct'; v: string };

const datetimeRe = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})/;
const guidRe = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) { i++; continue; }
    if (ch === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new FilterSyntaxError('unterminated string literal');
        if (src[i] === "'") {
          if (src[i + 1] === "'") { s += "'"; i += 2; continue; }
          i++;
          break;
        }
        s += src[i++];
      }
      out.push({ t: 'str', v: s });
      continue;
    }
    if ('()/,:'.includes(ch)) { out.push({ t: 'punct', v: ch }); i++; continue; }
    const rest = src.slice(i);
    const date = datetimeRe.exec(rest);
    if (date) { out.push({ t: 'date', v: date[0] }); i += date[0].length; continue; }
    const guid = guidRe.exec(rest);
    if (guid) { out.push({ t: 'guid', v: guid[0] }); i += guid[0].length; continue; }
    const num = /^-?\d+(\.\d+)?/.exec(rest);
    if (num) { out.push({ t: 'num', v: num[0] }); i += num[0].length; continue; }
    const ident = /^[A-Za-z_@$][\w@.$]*/.exec(rest);
    if (ident) { out.push({ t: 'ident', v: ident[0] }); i += ident[0].length; continue; }
    throw new FilterSyntaxError(`unexpected character '${ch}'`);
  }
  return out;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    const node = this.or();
    if (this.pos < this.tokens.length) throw new FilterSyntaxError(`unexpected '${this.tokens[this.pos]!.v}'`);
    return node;
  }

  private peek(): Token | undefined { return this.tokens[this.pos]; }
  private isWord(w: string): boolean { const t = this.peek(); return t?.t === 'ident' && t.v.toLowerCase() === w; }
  private isPunct(p: string): boolean { const t = this.peek(); return t?.t === 'punct' && t.v === p; }
  private expectPunct(p: string): void {
    if (!this.isPunct(p)) throw new FilterSyntaxError(`expected '${p}'`);
    this.pos++;
  }

  private or(): Node {
    let left = this.and();
    while (this.isWord('or')) { this.pos++; left = { kind: 'bool', op: 'or', left, right: this.and() }; }
    return left;
  }

  private and(): Node {
    let left = this.unary();
    while (this.isWord('and')) { this.pos++; left = { kind: 'bool', op: 'and', left, right: this.unary() }; }
    return left;
  }

  private unary(): Node {
    if (this.isWord('not')) { this.pos++; return { kind: 'not', operand: this.unary() }; }
    const left = this.primary();
    const t = this.peek();
    if (t?.t === 'ident' && ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'in'].includes(t.v.toLowerCase())) {
      this.pos++;
      const op = t.v.toLowerCase() as 'eq';
      return { kind: 'cmp', op, left, right: op === ('in' as string) ? this.list() : this.primary() };
    }
    return left;
  }

  private list(): Node {
    this.expectPunct('(');
    const items: Node[] = [];
    while (!this.isPunct(')')) {
      items.push(this.primary());
      if (this.isPunct(',')) this.pos++;
      else if (!this.isPunct(')')) throw new FilterSyntaxError("expected ',' or ')'");
    }
    this.pos++;
    return { kind: 'list', items };
  }

  private primary(): Node {
    const t = this.peek();
    if (!t) throw new FilterSyntaxError('unexpected end of filter');
    if (t.t === 'punct' && t.v === '(') {
      this.pos++;
      const inner = this.or();
      this.expectPunct(')');
      return inner;
    }
    this.pos++;
    switch (t.t) {
      case 'str': return { kind: 'lit', value: t.v };
      case 'num': return { kind: 'lit', value: Number(t.v) };
      case 'date': return { kind: 'lit', value: { date: Date.parse(t.v) } };
      case 'guid': return { kind: 'lit', value: t.v };
      case 'punct': throw new FilterSyntaxError(`unexpected '${t.v}'`);
      case 'ident': break;
    }
    const word = t.v.toLowerCase();
    if (word === 'true' || word === 'false') return { kind: 'lit', value: word === 'true' };
    if (word === 'null') return { kind: 'lit', value: null };
    if (this.isPunct('(')) {
      this.pos++;
      const args: Node[] = [];
      while (!this.isPunct(')')) {
        args.push(this.or());
        if (this.isPunct(',')) this.pos++;
      }
      this.pos++;
      return { kind: 'call', name: word, args };
    }
    const segments = [t.v];
    while (this.isPunct('/')) {
      this.pos++;
      const next = this.peek();
      if (next?.t !== 'ident') throw new FilterSyntaxError('expected a property after /');
      this.pos++;
      const q = next.v.toLowerCase();
      if ((q === 'any' || q === 'all') && this.isPunct('(')) {
        this.pos++;
        const variable = this.peek();
        if (variable?.t !== 'ident') throw new FilterSyntaxError('expected a lambda variable');
        this.pos++;
        this.expectPunct(':');
        const body = this.or();
        this.expectPunct(')');
        return { kind: 'lambda', collection: segments, quantifier: q, variable: variable.v, body };
      }
      segments.push(next.v);
    }
    return { kind: 'path', segments };
  }
}

export type Filter = (item: unknown) => boolean;

export function compileFilter(expression: string): Filter {
  const ast = new Parser(tokenize(expression)).parse();
  return (item) => truthy(evaluate(ast, item, new Map()));
}

/** The string values a filter compares `property eq '...'` against (e.g. principalId). */
export function equalityValues(expression: string, property: string): string[] {
  const found: string[] = [];
  const walk = (n: Node): void => {
    if (n.kind === 'bool') { walk(n.left); walk(n.right); }
    if (n.kind === 'cmp' && n.left.kind === 'path' && n.left.segments.join('/').toLowerCase() === property.toLowerCase()) {
      if (n.op === 'eq' && n.right.kind === 'lit' && typeof n.right.value === 'string') found.push(n.right.value);
      if (n.op === 'in' && n.right.kind === 'list') {
        for (const i of n.right.items) if (i.kind === 'lit' && typeof i.value === 'string') found.push(i.value);
      }
    }
  };
  walk(new Parser(tokenize(expression)).parse());
  return found;
}

function evaluate(n: Node, root: unknown, vars: Map<string, unknown>): unknown {
  switch (n.kind) {
    case 'lit': return n.value;
    case 'list': return n.items.map((i) => evaluate(i, root, vars));
    case 'path': return resolve(n.segments, root, vars);
    case 'not': return !truthy(evaluate(n.operand, root, vars));
    case 'bool': {
      const l = truthy(evaluate(n.left, root, vars));
      return n.op === 'and' ? l && truthy(evaluate(n.right, root, vars)) : l || truthy(evaluate(n.right, root, vars));
    }
    case 'cmp': {
      const l = evaluate(n.left, root, vars);
      const r = evaluate(n.right, root, vars);
      if (n.op === 'in') return Array.isArray(r) && r.some((x) => compare(l, x) === 0);
      const c = compare(l, r);
      switch (n.op) {
        case 'eq': return c === 0;
        case 'ne': return c !== 0;
        case 'gt': return c !== undefined && c > 0;
        case 'ge': return c !== undefined && c >= 0;
        case 'lt': return c !== undefined && c < 0;
        case 'le': return c !== undefined && c <= 0;
      }
      return false;
    }
    case 'call': {
      const args = n.args.map((a) => evaluate(a, root, vars));
      const [a, b] = args.map((x) => (typeof x === 'string' ? x.toLowerCase() : undefined));
      if (a === undefined || b === undefined) return false;
      if (n.name === 'startswith') return a.startsWith(b);
      if (n.name === 'endswith') return a.endsWith(b);
      if (n.name === 'contains') return a.includes(b);
      throw new FilterSyntaxError(`unsupported function ${n.name}`);
    }
    case 'lambda': {
      const collection = resolve(n.collection, root, vars);
      if (!Array.isArray(collection)) return n.quantifier === 'all';
      const test = (el: unknown) => truthy(evaluate(n.body, root, new Map([...vars, [n.variable, el]])));
      return n.quantifier === 'any' ? collection.some(test) : collection.every(test);
    }
  }
}

function resolve(segments: string[], root: unknown, vars: Map<string, unknown>): unknown {
  let current: unknown;
  let rest = segments;
  if (vars.has(segments[0]!)) {
    current = vars.get(segments[0]!);
    rest = segments.slice(1);
  } else {
    current = root;
  }
  for (const seg of rest) {
    if (current === null || typeof current !== 'object') return null;
    const obj = current as Record<string, unknown>;
    const key = Object.keys(obj).find((k) => k.toLowerCase() === seg.toLowerCase());
    current = key === undefined ? null : obj[key];
  }
  return current === undefined ? null : current;
}

function compare(l: unknown, r: unknown): number | undefined {
  const asDate = (v: unknown): number | undefined => {
    if (v && typeof v === 'object' && 'date' in v) return (v as { date: number }).date;
    if (typeof v === 'string' && datetimeRe.test(v)) return Date.parse(v);
    return undefined;
  };
  if ((l && typeof l === 'object' && 'date' in l) || (r && typeof r === 'object' && 'date' in r)) {
    const a = asDate(l);
    const b = asDate(r);
    return a === undefined || b === undefined ? undefined : Math.sign(a - b);
  }
  if (l === null || r === null) return l === r ? 0 : undefined;
  if (typeof l === 'string' && typeof r === 'string') {
    const a = l.toLowerCase();
    const b = r.toLowerCase();
    return a === b ? 0 : a < b ? -1 : 1;
  }
  if (typeof l === 'number' && typeof r === 'number') return Math.sign(l - r);
  if (typeof l === 'boolean' && typeof r === 'boolean') return l === r ? 0 : undefined;
  return undefined;
}

function truthy(v: unknown): boolean {
  return v === true;
}

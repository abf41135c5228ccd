// A small, honest reader for the parts of Bicep the deployment tests check: comments, strings
// ('...' with \' escapes and ${...} interpolation, '''...''' multi-line), balanced brackets, object
// literals (one `key: value` per line or comma-separated), `var`, `param`, `output` and `resource`
// declarations. It reads; it does not evaluate (an expression stays its source text).

export type BicepValue =
  | { readonly kind: 'object'; readonly entries: ReadonlyMap<string, BicepValue>; readonly text: string }
  | { readonly kind: 'string'; readonly value: string; readonly text: string }
  | { readonly kind: 'expression'; readonly text: string };

const OPEN: Record<string, string> = { '{': '}', '[': ']', '(': ')' };

/** The index just past the string that starts at `i` (a quote). */
function skipString(src: string, i: number): number {
  if (src.startsWith("'''", i)) {
    const end = src.indexOf("'''", i + 3);
    if (end < 0) throw new Error('unterminated multi-line string');
    return end + 3;
  }
  for (let j = i + 1; j < src.length; j++) {
    const c = src[j];
    if (c === '\\') j++;
    else if (c === '$' && src[j + 1] === '{') j = skipBalanced(src, j + 1) - 1;
    else if (c === "'") return j + 1;
  }
  throw new Error('unterminated string');
}

/** The index just past the bracket that closes the one at `i`. */
export function skipBalanced(src: string, i: number): number {
  const stack = [OPEN[src[i]!]!];
  for (let j = i + 1; j < src.length; j++) {
    const c = src[j]!;
    if (c === "'") {
      j = skipString(src, j) - 1;
    } else if (c in OPEN) {
      stack.push(OPEN[c]!);
    } else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return j + 1;
    }
  }
  throw new Error(`unbalanced ${src[i]} at ${i}`);
}

/** The source without comments (strings kept intact). */
export function stripComments(src: string): string {
  let out = '';
  for (let i = 0; i < src.length; i++) {
    if (src[i] === "'") {
      const end = skipString(src, i);
      out += src.slice(i, end);
      i = end - 1;
    } else if (src.startsWith('//', i)) {
      while (i < src.length && src[i] !== '\n') i++;
      out += '\n';
    } else if (src.startsWith('/*', i)) {
      i = src.indexOf('*/', i + 2) + 1;
    } else {
      out += src[i];
    }
  }
  return out;
}

/** Splits at top-level newlines and commas. */
function topLevelItems(body: string): string[] {
  const items: string[] = [];
  let start = 0;
  for (let j = 0; j < body.length; j++) {
    const c = body[j]!;
    if (c === "'") j = skipString(body, j) - 1;
    else if (c in OPEN) j = skipBalanced(body, j) - 1;
    else if (c === '\n' || c === ',') {
      items.push(body.slice(start, j));
      start = j + 1;
    }
  }
  items.push(body.slice(start));
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

export function parseValue(text: string): BicepValue {
  const t = text.trim();
  if (t.startsWith('{') && skipBalanced(t, 0) === t.length) {
    const entries = new Map<string, BicepValue>();
    for (const item of topLevelItems(t.slice(1, -1))) {
      const m = /^('(?:[^'\\]|\\.)*'|[A-Za-z_][\w]*)\s*:\s*([\s\S]*)$/.exec(item);
      if (!m) throw new Error(`not an object entry: ${item}`);
      entries.set(m[1]!.replace(/^'|'$/g, ''), parseValue(m[2]!));
    }
    return { kind: 'object', entries, text: t };
  }
  if (t.startsWith("'") && !t.startsWith("'''") && skipString(t, 0) === t.length && !t.includes('${')) {
    return { kind: 'string', value: t.slice(1, -1).replace(/\\(.)/g, '$1'), text: t };
  }
  return { kind: 'expression', text: t };
}

/** The text after `<keyword> <name> ...` up to the end of its value (balanced). */
function declaration(src: string, pattern: RegExp): string | undefined {
  const m = pattern.exec(src);
  if (!m) return undefined;
  let i = m.index + m[0].length;
  let end = i;
  // A value runs to the end of its line, except across open brackets and strings.
  while (end < src.length && src[end] !== '\n') {
    const c = src[end]!;
    if (c === "'") end = skipString(src, end);
    else if (c in OPEN) end = skipBalanced(src, end);
    else end++;
  }
  while (i < end && /\s/.test(src[i]!)) i++;
  return src.slice(i, end);
}

export class BicepFile {
  readonly source: string;

  constructor(text: string) {
    this.source = stripComments(text);
  }

  /** `var name = value`. */
  variable(name: string): BicepValue {
    const text = declaration(this.source, new RegExp(`^var\\s+${name}\\s*=`, 'm'));
    if (text === undefined) throw new Error(`no var ${name}`);
    return parseValue(text);
  }

  /** `param name type = default`: the default's text, or undefined. */
  paramDefault(name: string): string | undefined {
    const text = declaration(this.source, new RegExp(`^param\\s+${name}\\s+\\w+\\s*=`, 'm'));
    return text?.trim();
  }

  /** Every `output NAME type = value`, name -> value text. */
  outputs(): Map<string, string> {
    const out = new Map<string, string>();
    for (const m of this.source.matchAll(/^output\s+(\w+)\s+\w+\s*=/gm)) {
      out.set(m[1]!, declaration(this.source.slice(m.index), /^output\s+\w+\s+\w+\s*=/)!.trim());
    }
    return out;
  }

  /** Every `resource symbol 'Type@version' [existing] = ...` (loops included): its body parsed when it is an object. */
  resources(): { symbol: string; type: string; apiVersion: string; existing: boolean; body: BicepValue }[] {
    const found = [];
    for (const m of this.source.matchAll(/^resource\s+(\w+)\s+'([^'@]+)@([^']+)'\s*(existing\s*)?=\s*/gm)) {
      let i = m.index + m[0].length;
      let bodyText: string;
      if (this.source[i] === '[') {
        // [for x in xs: { ... }]
        const end = skipBalanced(this.source, i);
        const inner = this.source.slice(i + 1, end - 1);
        bodyText = inner.slice(inner.indexOf('{'));
      } else {
        if (this.source.startsWith('if', i)) i = this.source.indexOf('{', skipBalanced(this.source, this.source.indexOf('(', i)));
        bodyText = this.source.slice(i, skipBalanced(this.source, i));
      }
      found.push({ symbol: m[1]!, type: m[2]!, apiVersion: m[3]!, existing: m[4] !== undefined, body: parseValue(bodyText) });
    }
    return found;
  }

  /** `module symbol 'path' = { ... params: { ... } }`: its params. */
  moduleParams(symbol: string): ReadonlyMap<string, BicepValue> {
    const m = new RegExp(`^module\\s+${symbol}\\s+'[^']+'\\s*=\\s*`, 'm').exec(this.source);
    if (!m) throw new Error(`no module ${symbol}`);
    const start = m.index + m[0].length;
    const body = parseValue(this.source.slice(start, skipBalanced(this.source, start)));
    const params = body.kind === 'object' ? body.entries.get('params') : undefined;
    if (params?.kind !== 'object') throw new Error(`module ${symbol} has no params object`);
    return params.entries;
  }
}

/** Walks an object value by keys. */
export function at(value: BicepValue | undefined, ...keys: string[]): BicepValue | undefined {
  let v = value;
  for (const k of keys) v = v?.kind === 'object' ? v.entries.get(k) : undefined;
  return v;
}

export function objectEntries(value: BicepValue | undefined): ReadonlyMap<string, BicepValue> {
  if (value?.kind !== 'object') throw new Error(`not an object: ${value?.text ?? 'nothing'}`);
  return value.entries;
}

/** `condition ? whenTrue : whenFalse` at the top level of an expression, or undefined. */
export function ternary(value: BicepValue): { condition: string; whenTrue: BicepValue; whenFalse: BicepValue } | undefined {
  if (value.kind !== 'expression') return undefined;
  const t = value.text;
  let question = -1;
  for (let j = 0; j < t.length; j++) {
    const c = t[j]!;
    if (c === "'") j = skipString(t, j) - 1;
    else if (c in OPEN) j = skipBalanced(t, j) - 1;
    else if (c === '?' && question < 0) question = j;
    else if (c === ':' && question >= 0) {
      return { condition: t.slice(0, question).trim(), whenTrue: parseValue(t.slice(question + 1, j)), whenFalse: parseValue(t.slice(j + 1)) };
    }
  }
  return undefined;
}

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, tempDir } from './helpers.js';

/**
 * Readers for the files the recipe writes, each by the rules of the program that reads the file
 * (closely enough for these files): uWSGI's and systemd's INI, nginx's and Apache's directive trees,
 * SELinux CIL, indico.conf by Python itself, and the table rows of docs/indico-conformance.md.
 */

export interface IniEntry {
  readonly section: string;
  readonly key: string;
  readonly value: string;
}

/** `[section]` and `key = value` / `Key=Value` lines, in order, duplicates kept (systemd repeats keys). */
export function iniEntries(text: string): IniEntry[] {
  const entries: IniEntry[] = [];
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const at = line.indexOf('=');
    if (at < 1) throw new Error(`not an INI line: ${raw}`);
    entries.push({ section, key: line.slice(0, at).trim(), value: line.slice(at + 1).trim() });
  }
  return entries;
}

/** A directive, or a block (nginx `name args { … }`, Apache `<Name args> … </Name>`). */
export interface ConfigNode {
  readonly name: string;
  readonly args: readonly string[];
  readonly children?: readonly ConfigNode[];
}

export function directiveText(node: ConfigNode, style: 'nginx' | 'apache'): string {
  const words = [node.name, ...node.args].join(' ');
  if (style === 'nginx') return node.children ? words : `${words};`;
  return node.children ? `<${words}>` : words;
}

function nginxTokens(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '{' || c === '}' || c === ';') {
      tokens.push(c);
      i++;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      tokens.push(text.slice(i, j + 1));
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && !/[\s{};]/.test(text[j]!)) j++;
      tokens.push(text.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

/** nginx's grammar: words up to `;` make a directive, up to `{` a block that `}` closes. */
export function nginxConfig(text: string): ConfigNode[] {
  const tokens = nginxTokens(text);
  let at = 0;
  const block = (inner: boolean): ConfigNode[] => {
    const nodes: ConfigNode[] = [];
    let words: string[] = [];
    while (at < tokens.length) {
      const token = tokens[at++]!;
      if (token === ';') {
        if (words.length === 0) throw new Error('nginx: empty directive');
        nodes.push({ name: words[0]!, args: words.slice(1) });
        words = [];
      } else if (token === '{') {
        nodes.push({ name: words[0]!, args: words.slice(1), children: block(true) });
        words = [];
      } else if (token === '}') {
        if (!inner || words.length > 0) throw new Error('nginx: unbalanced }');
        return nodes;
      } else {
        words.push(token);
      }
    }
    if (inner || words.length > 0) throw new Error('nginx: unterminated block or directive');
    return nodes;
  };
  return block(false);
}

/** Apache's words: runs of non-space characters, a quoted string staying one word with its quotes. */
export function apacheWords(text: string): string[] {
  return text.match(/(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s"'])+/g) ?? [];
}

/** One directive per line; `<Name args>` opens a section that `</Name>` closes. */
export function apacheConfig(text: string): ConfigNode[] {
  const stack: { name: string; args: string[]; children: ConfigNode[] }[] = [
    { name: '', args: [], children: [] },
  ];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const close = /^<\/(\w+)>$/.exec(line);
    const open = /^<(\w+)(?:\s+(.*))?>$/.exec(line);
    if (close) {
      const section = stack.pop()!;
      if (section.name !== close[1] || stack.length === 0) throw new Error(`apache: unbalanced ${line}`);
      stack.at(-1)!.children.push(section);
    } else if (open) {
      stack.push({ name: open[1]!, args: apacheWords(open[2] ?? ''), children: [] });
    } else {
      const [name, ...args] = apacheWords(line);
      stack.at(-1)!.children.push({ name: name!, args });
    }
  }
  if (stack.length !== 1) throw new Error(`apache: unclosed <${stack.at(-1)!.name}>`);
  return stack[0]!.children;
}

type Sexp = string | Sexp[];

function sexpText(expression: Sexp): string {
  return Array.isArray(expression) ? `(${expression.map(sexpText).join(' ')})` : expression;
}

/** The top-level statements of a CIL module, each as one normalized S-expression. */
export function cilStatements(text: string): string[] {
  const tokens = text.replace(/;[^\n]*/g, '').match(/"(?:[^"\\]|\\.)*"|[()]|[^\s()"]+/g) ?? ([] as string[]);
  let at = 0;
  const expression = (): Sexp => {
    const token = tokens[at++];
    if (token === undefined) throw new Error('cil: unexpected end');
    if (token === ')') throw new Error('cil: unexpected )');
    if (token !== '(') return token;
    const list: Sexp[] = [];
    while (tokens[at] !== ')') list.push(expression());
    at++;
    return list;
  };
  const statements: string[] = [];
  while (at < tokens.length) {
    const statement = expression();
    if (!Array.isArray(statement)) throw new Error(`cil: ${statement} outside a statement`);
    statements.push(sexpText(statement));
  }
  return statements;
}

/** Shell-like words: quotes group and are removed (the way the script's sh would pass them on). */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  for (const match of text.matchAll(/(?:'[^']*'|"(?:[^"\\]|\\.)*"|[^\s'"])+/g)) {
    words.push(
      match[0].replace(/'([^']*)'|"((?:[^"\\]|\\.)*)"/g, (_all, single?: string, double?: string) =>
        single !== undefined ? single : double!.replace(/\\(.)/g, '$1'),
      ),
    );
  }
  return words;
}

const PYTHON_READER = `
import ast, json, sys

def canon(v):
    if isinstance(v, dict):
        return '{' + ', '.join(canon(k) + ': ' + canon(x) for k, x in v.items()) + '}'
    if isinstance(v, (set, frozenset)):
        return '{' + ', '.join(sorted(canon(x) for x in v)) + '}' if v else 'set()'
    if isinstance(v, tuple):
        return '(' + ', '.join(canon(x) for x in v) + (',' if len(v) == 1 else '') + ')'
    if isinstance(v, list):
        return '[' + ', '.join(canon(x) for x in v) + ']'
    return repr(v)

out = []
for name in sys.argv[1:]:
    tree = ast.parse(open(name, encoding='utf-8').read(), name)
    values = []
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            raise SystemExit(f'{name}:{node.lineno}: not an assignment of one name')
        value = eval(compile(ast.Expression(node.value), name, 'eval'), {'__builtins__': {'set': set}})
        values.append([node.targets[0].id, canon(value)])
    out.append(values)
print(json.dumps(out))
`;

/**
 * Each source as Python reads it: its `NAME = value` assignments in order, the values in one canonical
 * spelling (so `('a', 25)` and `( 'a',25 )` compare equal). Anything but plain assignments is an error,
 * as indico.conf is executed as Python.
 */
export function pythonAssignments(sources: readonly string[]): [string, string][][] {
  const dir = tempDir('py-assign');
  const files = sources.map((source, index) => {
    const file = join(dir, `source-${index}.py`);
    writeFileSync(file, source);
    return file;
  });
  const result = run('python3', ['-c', PYTHON_READER, ...files]);
  if (result.status !== 0) throw new Error(`python3: ${result.stderr}`);
  return JSON.parse(result.stdout) as [string, string][][];
}

/** A row of one of the doc's check tables. */
export interface DocRow {
  readonly line: number;
  readonly table: string;
  /** The first column's code span, e.g. `nginx:https>ssl_protocols@el`. */
  readonly id: string;
  readonly kind: string;
  readonly target: string;
  readonly scope: readonly string[];
  readonly point: string;
  readonly guide: readonly string[];
  readonly indicovm: readonly string[];
  readonly status: string;
}

function tableCells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim().replaceAll('\\|', '|'));
}

function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
}

/** Every table whose header starts with `check`: the rows, each with the code spans of its cells. */
export function docRows(markdown: string): DocRow[] {
  const lines = markdown.split('\n');
  const rows: DocRow[] = [];
  let table = '';
  for (let i = 0; i < lines.length; i++) {
    const heading = /^#+\s+(.*)$/.exec(lines[i]!);
    if (heading) table = heading[1]!;
    if (!lines[i]!.startsWith('|') || tableCells(lines[i]!)[0] !== 'check') continue;
    const header = tableCells(lines[i]!);
    if (header.join(' | ') !== 'check | point | Indico 3.3 guide | indicovm | status') {
      throw new Error(
        `line ${i + 1}: a check table has the columns check | point | Indico 3.3 guide | indicovm | status`,
      );
    }
    i += 2;
    for (; i < lines.length && lines[i]!.startsWith('|'); i++) {
      const cells = tableCells(lines[i]!);
      if (cells.length !== 5) throw new Error(`line ${i + 1}: ${cells.length} cells, not 5`);
      const ids = codeSpans(cells[0]!);
      if (ids.length !== 1) throw new Error(`line ${i + 1}: the check column holds one code span`);
      const id = ids[0]!;
      const scoped = /^([a-z]+):(.*?)(?:@([a-z0-9.,-]+))?$/.exec(id);
      if (!scoped) throw new Error(`line ${i + 1}: ${id} is not kind:target[@scope]`);
      rows.push({
        line: i + 1,
        table,
        id,
        kind: scoped[1]!,
        target: scoped[2]!,
        scope: scoped[3]?.split(',') ?? [],
        point: cells[1]!,
        guide: codeSpans(cells[2]!),
        indicovm: codeSpans(cells[3]!),
        status: cells[4]!,
      });
    }
    i--;
  }
  return rows;
}

/** The fenced block whose info string is `text <name>`. */
export function docBlock(markdown: string, name: string): string {
  const match = new RegExp('^```text ' + name + '\\n([\\s\\S]*?)^```$', 'm').exec(markdown);
  if (!match) throw new Error(`no \`\`\`text ${name} block`);
  return match[1]!;
}

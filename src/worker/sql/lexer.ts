/**
 * A small SQLite lexer: just enough to find parameters, the statement's kind
 * and REPLACE conflict clauses without being fooled by strings, quoted
 * identifiers or comments. It never decides what SQL means; SQLite does.
 */

/** A parameter token and the key it binds to: its 1-based index, and its name for named ones. */
export interface ParamToken {
  start: number;
  end: number;
  index: number;
  name: string | undefined;
}

export interface Token {
  kind: 'word' | 'param' | 'punct';
  /** Upper-cased for words, the character for punctuation. */
  text: string;
  start: number;
  end: number;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;

/** Splits `sql` into tokens, skipping whitespace, comments, string literals and quoted identifiers (returned as words). */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? n : eol + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
    } else if (c === "'") {
      const start = i;
      i = skipQuoted(sql, i, "'"); // a string literal is neither word nor parameter
      tokens.push({ kind: 'punct', text: "'", start, end: i });
    } else if (c === '"' || c === '`' || c === '[') {
      const start = i;
      i = skipQuoted(sql, i, c === '[' ? ']' : c);
      tokens.push({ kind: 'word', text: '"', start, end: i }); // a quoted identifier is never a keyword
    } else if (c === '?' || c === ':' || c === '@' || c === '$') {
      const start = i++;
      while (i < n && (WORD_PART.test(sql[i]!) || (c === '$' && sql[i] === ':' && sql[i + 1] === ':'))) i += sql[i] === ':' ? 2 : 1;
      tokens.push({ kind: 'param', text: sql.slice(start, i), start, end: i });
    } else if (WORD_START.test(c)) {
      const start = i;
      while (i < n && WORD_PART.test(sql[i]!)) i++;
      tokens.push({ kind: 'word', text: sql.slice(start, i).toUpperCase(), start, end: i });
    } else if (c >= '0' && c <= '9') {
      const start = i;
      while (i < n && /[0-9A-Za-z_.]/.test(sql[i]!)) i++;
      tokens.push({ kind: 'punct', text: '0', start, end: i });
    } else {
      tokens.push({ kind: 'punct', text: c, start: i, end: i + 1 });
      i++;
    }
  }
  return tokens;
}

function skipQuoted(sql: string, i: number, close: string): number {
  let j = i + 1;
  for (;;) {
    const k = sql.indexOf(close, j);
    if (k < 0) return sql.length;
    if (close !== ']' && sql[k + 1] === close) {
      j = k + 2; // a doubled quote escapes itself
      continue;
    }
    return k + 1;
  }
}

/**
 * The parameter tokens of one statement with the index SQLite gives each:
 * `?` takes the largest index so far plus one, `?NNN` is NNN, and a named
 * parameter takes the next index at its first appearance.
 */
export function parameters(tokens: readonly Token[]): ParamToken[] {
  const out: ParamToken[] = [];
  const named = new Map<string, number>();
  let max = 0;
  for (const t of tokens) {
    if (t.kind !== 'param') continue;
    if (t.text === '?') {
      out.push({ start: t.start, end: t.end, index: ++max, name: undefined });
    } else if (t.text[0] === '?') {
      const index = Number(t.text.slice(1));
      max = Math.max(max, index);
      out.push({ start: t.start, end: t.end, index, name: undefined });
    } else {
      let index = named.get(t.text);
      if (index === undefined) named.set(t.text, (index = ++max));
      out.push({ start: t.start, end: t.end, index, name: t.text.slice(1) });
    }
  }
  return out;
}

/** What a statement may do, for change capture. */
export type StatementKind =
  | 'read' // SELECT, VALUES, EXPLAIN, read-only PRAGMA: cannot change the database
  | 'write' // INSERT, UPDATE, DELETE: captured row by row
  | 'schema' // anything else that may change the database file: persisted as a full snapshot
  | 'transaction'; // BEGIN, COMMIT, SAVEPOINT…: the store owns transactions

const TX_WORDS = new Set(['BEGIN', 'COMMIT', 'END', 'ROLLBACK', 'SAVEPOINT', 'RELEASE']);
const WRITE_WORDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'REPLACE']);
/** PRAGMAs that change the database even without `=`. */
const ACTIVE_PRAGMAS = new Set(['OPTIMIZE', 'INCREMENTAL_VACUUM', 'WAL_CHECKPOINT']);

/** Classifies one statement by its leading keywords. */
export function statementKind(tokens: readonly Token[]): StatementKind {
  const first = tokens.find((t) => t.kind !== 'punct' || t.text !== ';');
  if (!first) return 'read';
  const word = first.kind === 'word' ? first.text : '';
  if (TX_WORDS.has(word)) return 'transaction';
  if (WRITE_WORDS.has(word)) return 'write';
  if (word === 'SELECT' || word === 'VALUES' || word === 'EXPLAIN') return 'read';
  if (word === 'WITH') {
    // The main statement is the first DML keyword outside the CTEs' parentheses.
    let depth = 0;
    for (const t of tokens) {
      if (t.text === '(') depth++;
      else if (t.text === ')') depth--;
      else if (depth === 0 && t.kind === 'word' && (WRITE_WORDS.has(t.text) || t.text === 'SELECT')) {
        return t.text === 'SELECT' ? 'read' : 'write';
      }
    }
    return 'read';
  }
  if (word === 'PRAGMA') {
    const name = tokens.filter((t) => t.kind === 'word').map((t) => t.text);
    const pragma = name[1] === 'MAIN' || name[1] === 'TEMP' ? name[2] : name[1];
    if (tokens.some((t) => t.text === '=') || (pragma && ACTIVE_PRAGMAS.has(pragma))) return 'schema';
    return 'read';
  }
  return 'schema';
}

/**
 * True when the statement may delete rows through REPLACE conflict
 * resolution (`INSERT OR REPLACE`, `REPLACE INTO`, `UPDATE OR REPLACE`,
 * `ON CONFLICT REPLACE`): SQLite reports those deletions to no hook and
 * counts them in no change counter, so they cannot be captured row by row.
 * The `replace()` function is not a conflict clause and does not count.
 */
export function mayReplace(tokens: readonly Token[]): boolean {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'word' || t.text !== 'REPLACE') continue;
    // A call of the function is always followed by its parenthesis.
    if (tokens[i + 1]?.text !== '(') return true;
  }
  return false;
}

/** Quotes an identifier for SQL. */
export function quoteId(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** One statement of a script: its text and its tokens (offsets relative to the text). */
export interface StatementText {
  text: string;
  tokens: Token[];
}

/**
 * Splits a script at the semicolons that end statements; a trigger body's
 * semicolons between BEGIN and END do not.
 */
export function splitStatements(sql: string, tokens: readonly Token[]): StatementText[] {
  const out: StatementText[] = [];
  let first = 0;
  let depth = 0;
  let trigger = false;
  const flush = (end: number, endChar: number) => {
    const part = tokens.slice(first, end).filter((t) => t.text !== ';' || t.kind !== 'punct');
    if (part.length > 0) {
      const start = tokens[first]!.start;
      out.push({
        text: sql.slice(start, endChar),
        tokens: tokens.slice(first, end).map((t) => ({ ...t, start: t.start - start, end: t.end - start })),
      });
    }
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (i === first) trigger = false;
    if (t.kind === 'word') {
      if (t.text === 'TRIGGER' && tokens[first]?.text === 'CREATE') trigger = true;
      else if (t.text === 'CASE' || (t.text === 'BEGIN' && trigger)) depth++;
      else if (t.text === 'END' && depth > 0) depth--;
    } else if (t.kind === 'punct' && t.text === ';' && depth === 0) {
      flush(i + 1, t.end);
      first = i + 1;
    }
  }
  if (first < tokens.length) flush(tokens.length, sql.length);
  return out;
}

/**
 * The pragma a PRAGMA statement sets (`PRAGMA [schema.]name = value` or
 * `name(value)`), lower-cased and unquoted, or undefined when the statement
 * only reads one or is not a PRAGMA. SQLite takes a pragma's name, and its
 * schema's, quoted in any of its four ways, so the name is read from the
 * token, not matched in the text.
 */
export function pragmaSet(st: StatementText): string | undefined {
  const [pragma, first, dot, second] = st.tokens;
  if (pragma?.text !== 'PRAGMA' || !first) return undefined;
  const named = dot?.text === '.' ? second : first;
  const next = st.tokens[dot?.text === '.' ? 4 : 2];
  if (!named || (next?.text !== '=' && next?.text !== '(')) return undefined;
  return unquote(st.text.slice(named.start, named.end)).toLowerCase();
}

/** An identifier as SQLite reads it: `"a""b"`, `'a'`, `` `a` `` and `[a]` are `a"b`, `a`, `a`, `a`. */
function unquote(raw: string): string {
  const open = raw[0];
  if (open === '[') return raw.slice(1, -1);
  if (open === '"' || open === "'" || open === '`') return raw.slice(1, -1).replaceAll(open + open, open);
  return raw;
}

import { type CST, LineCounter, Parser, parseDocument, type Document } from 'yaml';
import { RefusedFileError, formatBytes, readBoundedFileSync } from '../platform/index.js';

/**
 * Bounds on what a config file may cost to read, before the YAML composer sees it. The composer
 * and toJS recurse per nesting level (100k levels abort V8), aliases expand exponentially
 * (billion laughs), and every stage is linear or worse in size: a station config is a few KB,
 * so these limits refuse only files that are not configs.
 */
export const MAX_CONFIG_BYTES = 256 * 1024;
export const MAX_CONFIG_DEPTH = 32;
/** Map/sequence entries in the whole file (a full config has ~100): duplicate-key checks are quadratic per map. */
export const MAX_CONFIG_ENTRIES = 2000;
/** yaml's own guard: alias expansions (weighted by what they copy) allowed in toJS. */
export const MAX_ALIAS_COUNT = 100;

export interface YamlProblem {
  line?: number;
  column?: number;
  message: string;
}

/** The config file's text, or the problem with it (not a regular file, too large, unreadable). */
export function readConfigText(file: string): { text: string } | { problem: YamlProblem } {
  try {
    return { text: readBoundedFileSync(file, MAX_CONFIG_BYTES).toString('utf8') };
  } catch (err) {
    if (err instanceof RefusedFileError) {
      const why = err.reason === 'too-large' ? `${err.message} for a config file` : err.message;
      return { problem: { message: `cannot read config file: ${why}` } };
    }
    return { problem: { message: `cannot read config file: ${(err as Error).message}` } };
  }
}

/**
 * Parse within the limits: nesting depth and entry count are measured on the CST (the parser keeps an explicit
 * stack, so this is safe at any depth) before composing; aliases are bounded in toJS.
 * Returns the document and its plain value, or the problems.
 */
export function parseYamlLimited(text: string): { doc: Document; value: unknown; lc: LineCounter } | { problems: YamlProblem[] } {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_CONFIG_BYTES) return { problems: [{ message: `config text is ${formatBytes(bytes)}, above the ${formatBytes(MAX_CONFIG_BYTES)} limit for a config file` }] };
  const cstLines = new LineCounter();
  const shape = tooBig([...new Parser(cstLines.addNewLine).parse(text)]);
  if (shape) return { problems: [{ line: cstLines.linePos(shape.offset).line, message: shape.message }] };
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) return { problems: doc.errors.map((e) => yamlProblem(e, text, lc)) };
  try {
    return { doc, value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), lc };
  } catch (err) {
    // yaml throws a ReferenceError for an alias bomb ("Excessive alias count …").
    return { problems: [{ message: `YAML: ${(err as Error).message.split('\n')[0]} (at most ${MAX_ALIAS_COUNT} alias expansions)` }] };
  }
}

/** The first place the CST is nested too deep or holds too many entries, or null. Iterative: the CST may be 100k levels deep. */
function tooBig(tokens: CST.Token[]): { offset: number; message: string } | null {
  const stack: Array<[CST.Token | undefined, number]> = tokens.map((t) => [t, 0]);
  let entries = 0;
  while (stack.length) {
    const [tok, depth] = stack.pop()!;
    if (!tok) continue;
    if (tok.type === 'document') stack.push([tok.value, depth]);
    else if ('items' in tok && Array.isArray(tok.items)) {
      if (depth + 1 > MAX_CONFIG_DEPTH) return { offset: tok.offset, message: `YAML nested deeper than ${MAX_CONFIG_DEPTH} levels` };
      entries += tok.items.length;
      if (entries > MAX_CONFIG_ENTRIES) return { offset: tok.offset, message: `YAML holds more than ${MAX_CONFIG_ENTRIES} map/list entries` };
      for (const it of tok.items as Array<{ key?: CST.Token | null; value?: CST.Token }>) {
        stack.push([it.key ?? undefined, depth + 1]);
        stack.push([it.value, depth + 1]);
      }
    }
  }
  return null;
}

/**
 * A YAML syntax error at its line and column; a duplicated key is named. Positions come from the
 * LineCounter: with prettyErrors off, yaml leaves `linePos` unset.
 */
function yamlProblem(e: { message: string; code: string; pos: [number, number] }, text: string, lc: LineCounter): YamlProblem {
  const { line, col } = lc.linePos(e.pos[0]);
  // The error spans one character of the key; the key runs to its ':'.
  const token = /^[^:\n]*/.exec(text.slice(e.pos[0]))![0].trim();
  const what = e.code === 'DUPLICATE_KEY' && token ? ` ('${token}')` : '';
  return { line, column: col, message: `YAML: ${e.message.split('\n')[0]}${what}` };
}

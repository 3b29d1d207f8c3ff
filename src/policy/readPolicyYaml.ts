import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { LocatedEntry, LocatedNode, Position } from './locatedNode.js';
import type { PolicyProblem } from './policyError.js';
import { POLICY_ERROR_CODES as C, type PolicyErrorCode } from './policyErrorCodes.js';

/** Largest policy accepted, in UTF-8 bytes (checked before parsing). Real policies are < 10 KiB. */
export const MAX_POLICY_BYTES = 256 * 1024;
/** Alias (`*name`) expansions allowed per file: enough to share an action list, never a bomb. */
export const MAX_ALIAS_EXPANSIONS = 32;
/** Nodes that alias expansions may add in total. */
const MAX_ALIAS_NODES = 2000;
/** Nesting depth allowed; the deepest valid policy is 5 (rules[i].annotations.key). */
export const MAX_POLICY_DEPTH = 16;

/** Result of reading one policy file's YAML: a located tree (or null) and every problem found. */
export interface PolicyYaml {
  readonly root: LocatedNode | null;
  readonly problems: PolicyProblem[];
}

const YAML_CODES: Record<string, PolicyErrorCode> = {
  DUPLICATE_KEY: C.duplicateKey,
  MULTIPLE_DOCS: C.multipleDocuments,
  TAB_AS_INDENT: C.tabIndent,
  RESOURCE_EXHAUSTION: C.tooDeep,
};

function oneLine(message: string): string {
  const first = message.split('\n')[0] ?? '';
  const cut = first.replace(/ at line \d+, column \d+:?$/, '');
  return cut.length > 200 ? `${cut.slice(0, 200)}…` : cut;
}

/** `got "high"` style rendering of a scalar, for messages. */
export function describeScalar(value: unknown): string {
  if (typeof value === 'string') {
    const s = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return JSON.stringify(s);
  }
  return String(value);
}

/**
 * Tabs in indentation are invisible in review and YAML forbids them; the parser's message is
 * cryptic, so find them first and point at the tab.
 */
function findIndentTabs(text: string, file: string): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && problems.length < 10; i++) {
    const m = /^[ \t]*/.exec(lines[i] ?? '');
    const tab = m ? m[0].indexOf('\t') : -1;
    if (tab >= 0 && (lines[i] ?? '').trim() !== '') {
      problems.push({
        code: C.tabIndent,
        file,
        line: i + 1,
        col: tab + 1,
        path: '',
        message: 'tab character in indentation',
        expected: 'spaces',
        hint: 'indent with spaces; YAML forbids tabs there',
      });
    }
  }
  return problems;
}

/**
 * Parse policy text into a located tree, safely: size cap first, tabs, then `yaml` with unique
 * keys and the core schema (no YAML 1.1 booleans or merge keys), then a walk that rejects tags,
 * caps alias expansion and depth, and requires string keys. Never throws.
 */
export function readPolicyYaml(text: string, file: string): PolicyYaml {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_POLICY_BYTES) {
    return {
      root: null,
      problems: [
        {
          code: C.fileTooLarge,
          file,
          line: 1,
          col: 1,
          path: '',
          message: `the policy is ${bytes} bytes, over the ${MAX_POLICY_BYTES}-byte limit`,
          expected: `at most ${MAX_POLICY_BYTES} bytes`,
          hint: 'a policy is a few kilobytes; check that this is the right file',
        },
      ],
    };
  }
  const tabs = findIndentTabs(text, file);
  if (tabs.length > 0) return { root: null, problems: tabs };

  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, {
      lineCounter,
      uniqueKeys: true,
      schema: 'core',
      version: '1.2',
      strict: true,
      prettyErrors: false,
      merge: false,
      keepSourceTokens: false,
    });
  } catch (e) {
    // The parser is not expected to throw; if it does, it is still a bad policy, not a crash.
    return {
      root: null,
      problems: [
        { code: C.yamlSyntax, file, line: 1, col: 1, path: '', message: `the YAML parser failed: ${oneLine(e instanceof Error ? e.message : String(e))}` },
      ],
    };
  }
  const at = (offset: number | undefined): Position => {
    const p = lineCounter.linePos(Math.max(0, Math.min(offset ?? 0, text.length)));
    return { line: Math.max(1, p.line), col: Math.max(1, p.col) };
  };
  const problems: PolicyProblem[] = [];
  const add = (code: PolicyErrorCode, pos: Position, path: string, message: string, hint?: string): void => {
    if (problems.length < 100) problems.push({ code, file, line: pos.line, col: pos.col, path, message, ...(hint ? { hint } : {}) });
  };
  for (const e of [...doc.errors, ...doc.warnings]) {
    add(YAML_CODES[e.code] ?? C.yamlSyntax, at(e.pos[0]), '', oneLine(e.message));
  }
  if (doc.errors.length > 0) return { root: null, problems };

  let aliasExpansions = 0;
  let aliasNodes = 0;
  const nodePos = (n: Node): Position => at(n.range?.[0]);
  const walk = (node: unknown, path: string, depth: number, aliasSite: Position | null): LocatedNode | null => {
    if (depth > MAX_POLICY_DEPTH) {
      add(
        C.tooDeep,
        aliasSite ?? (isAlias(node) || isScalar(node) || isMap(node) || isSeq(node) ? nodePos(node) : { line: 1, col: 1 }),
        path,
        `nesting deeper than ${MAX_POLICY_DEPTH} levels`,
      );
      return null;
    }
    if (aliasSite !== null && ++aliasNodes > MAX_ALIAS_NODES) {
      if (aliasNodes === MAX_ALIAS_NODES + 1)
        add(C.aliasLimit, aliasSite, path, `aliases expand to more than ${MAX_ALIAS_NODES} nodes`, 'write the values out instead of using anchors and aliases');
      return null;
    }
    if (isAlias(node)) {
      const site = aliasSite ?? nodePos(node);
      if (++aliasExpansions > MAX_ALIAS_EXPANSIONS) {
        if (aliasExpansions === MAX_ALIAS_EXPANSIONS + 1)
          add(C.aliasLimit, site, path, `more than ${MAX_ALIAS_EXPANSIONS} alias expansions`, 'write the values out instead of using anchors and aliases');
        return null;
      }
      const target = node.resolve(doc);
      if (target === undefined) {
        add(C.yamlSyntax, site, path, `alias *${node.source} refers to no anchor before it`);
        return null;
      }
      return walk(target, path, depth + 1, site);
    }
    if (!isScalar(node) && !isMap(node) && !isSeq(node)) {
      add(C.yamlSyntax, aliasSite ?? { line: 1, col: 1 }, path, 'unsupported YAML node');
      return null;
    }
    const pos = aliasSite ?? nodePos(node);
    if (node.tag !== undefined) {
      // Reported, then read as untagged: the value itself may be fine, and one problem is enough.
      add(C.tagNotAllowed, pos, path, `YAML tag \`${node.tag}\` is not allowed`, 'remove the tag; policies are plain data');
    }
    if (isScalar(node)) {
      const v = node.value;
      if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return { kind: 'scalar', value: v, pos };
      add(C.wrongType, pos, path, `unsupported scalar value ${describeScalar(v)}`);
      return null;
    }
    if (isSeq(node)) {
      const items: LocatedNode[] = [];
      node.items.forEach((item, i) => {
        const child = walk(item, `${path}[${i}]`, depth + 1, aliasSite);
        if (child) items.push(child);
      });
      return { kind: 'seq', items, pos };
    }
    const entries: LocatedEntry[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key;
      const keyPos = isScalar(keyNode) || isMap(keyNode) || isSeq(keyNode) || isAlias(keyNode) ? (aliasSite ?? nodePos(keyNode)) : pos;
      if (!isScalar(keyNode) || typeof keyNode.value !== 'string' || keyNode.tag !== undefined) {
        const shown = isScalar(keyNode) ? describeScalar(keyNode.value) : 'a collection or alias';
        add(C.wrongType, keyPos, path, `mapping keys must be plain strings, got ${shown}`, 'quote the key or rename it');
        continue;
      }
      const key = keyNode.value;
      const childPath = path === '' ? key : `${path}.${key}`;
      const value =
        pair.value === null || pair.value === undefined
          ? { kind: 'scalar' as const, value: null, pos: keyPos }
          : walk(pair.value, childPath, depth + 1, aliasSite);
      if (value) entries.push({ key, keyPos, value });
    }
    return { kind: 'map', entries, pos };
  };
  const root = doc.contents === null ? null : walk(doc.contents, '', 0, null);
  return { root, problems };
}

// Reading a matrix file: YAML (.yaml, .yml) or JSON (.json), then validateMatrix. Problems carry
// the line and column in the file where the text can be mapped back, for YAML and JSON alike.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document, type YAMLError } from 'yaml';
import { MatrixError, type MatrixProblem } from './matrix-error.js';
import type { Matrix } from './matrix-schema.js';
import { validateMatrix, type MatrixLocator } from './validate-matrix.js';

export { MatrixError, type MatrixProblem } from './matrix-error.js';

export type MatrixFormat = 'yaml' | 'json';

export function matrixFormatFor(path: string): MatrixFormat | undefined {
  const extension = extname(path).toLowerCase();
  if (extension === '.yaml' || extension === '.yml') return 'yaml';
  if (extension === '.json') return 'json';
  return undefined;
}

/** The validated matrix in the file; a MatrixError naming the file and every problem otherwise. */
export function loadMatrix(path: string): Matrix {
  const format = matrixFormatFor(path);
  if (!format) {
    const extension = extname(path);
    throw new MatrixError(
      path,
      [{ path: '', message: `expected a .yaml, .yml or .json file, not ${extension ? `'${extension}'` : 'a name without an extension'}` }],
      `Cannot read matrix ${path}`,
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new MatrixError(path, [{ path: '', message: describeReadError(error) }], `Cannot read matrix ${path}`);
  }
  return parseMatrixText(text, path, format);
}

/** A matrix from text (`source` names it in errors). */
export function parseMatrixText(text: string, source: string, format: MatrixFormat): Matrix {
  // JSON is YAML 1.2, so one YAML parse gives line numbers for both formats.
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  let raw: unknown;
  if (format === 'json') {
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new MatrixError(source, [jsonProblem(error, text)], `Invalid JSON in matrix ${source}`);
    }
  } else {
    if (document.errors.length > 0) {
      throw new MatrixError(source, document.errors.map(yamlProblem), `Invalid YAML in matrix ${source}`);
    }
    try {
      raw = document.toJS({ maxAliasCount: 1000 });
    } catch (error) {
      throw new MatrixError(source, [{ path: '', message: errorMessage(error) }], `Invalid YAML in matrix ${source}`);
    }
  }
  const locate = document.errors.length === 0 ? locatorFor(document, lineCounter) : undefined;
  return validateMatrix(raw, source, locate);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeReadError(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return errorMessage(error);
}

function yamlProblem(error: YAMLError): MatrixProblem {
  // prettyErrors appends " at line L, column C:" and a snippet of the source; keep the sentence.
  const message = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
  const at = error.linePos?.[0];
  return { path: '', message, ...(at ? { line: at.line, column: at.col } : {}) };
}

function jsonProblem(error: unknown, text: string): MatrixProblem {
  const message = errorMessage(error);
  const position = /at position (\d+)/.exec(message);
  const cleaned = message.replace(/\s*in JSON at position \d+.*$/s, '').replace(/^JSON\.parse: /, '');
  if (!position) return { path: '', message: cleaned };
  const offset = Number(position[1]);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return { path: '', message: cleaned, line, column };
}

/** Finds the node a problem names; for a missing key, the nearest mapping that holds it. */
function locatorFor(document: Document, lineCounter: LineCounter): MatrixLocator {
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  return (segments, unknownKey) => {
    for (let depth = segments.length; depth >= 0; depth--) {
      let node: unknown;
      try {
        node = depth === 0 ? document.contents : document.getIn(segments.slice(0, depth) as unknown[], true);
      } catch {
        continue;
      }
      if (!isNode(node) || !node.range) continue;
      if (unknownKey !== undefined && depth === segments.length && isMap(node)) {
        const pair = node.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === unknownKey);
        if (pair && isNode(pair.key) && pair.key.range) return position(pair.key.range[0]);
      }
      return position(node.range[0]);
    }
    return undefined;
  };
}

import { memberName, parseExpression, walk, type AnyNode } from './expression-parse.js';

/**
 * Whether a filter expression provably changes nothing: not its record (no
 * field, however deep, written, deleted or handed to a mutating method), nor
 * anything else. Then what it keeps is, for whatever reads the record after
 * it in the same process, the line as read, as a pipe would give it: the
 * fold of consecutive filters (see KeepsByFields in fields-read.ts) relies on it.
 *
 * Decided on a real parse (expression-parse.ts), by allowing only what reads:
 * literals, names, member reads, operators other than `delete`, `? :`,
 * template literals, array and object literals, and calls of the methods and
 * functions below, which return new values and never change their receiver or
 * arguments for the values a record holds (strings, numbers, booleans, null,
 * plain arrays and objects). Anything else (an assignment, `++`, `delete`, a
 * function or arrow (a callback could do anything), a tagged template, a
 * call of any other method such as `pop` or `sort`, `new` of other than a
 * date or pattern) or a text acorn does not parse: false.
 */
export function readsOnly(expr: string): boolean {
  const root = parseExpression(expr);
  if (root === undefined) return false;
  let pure = true;
  walk(root, (node, ancestors) => {
    if (pure && !readingNode(node, ancestors[0])) pure = false;
  });
  return pure;
}

/** Methods that leave their receiver (a string, number, array or plain object) and arguments as they were. */
const READING_METHODS = new Set([
  'at', 'charAt', 'charCodeAt', 'codePointAt', 'concat', 'endsWith', 'includes', 'indexOf', 'lastIndexOf',
  'localeCompare', 'match', 'normalize', 'padEnd', 'padStart', 'repeat', 'replace', 'search', 'slice',
  'split', 'startsWith', 'substring', 'substr', 'toLowerCase', 'toUpperCase', 'trim', 'trimEnd', 'trimStart',
  'toFixed', 'toPrecision', 'toString', 'join', 'getTime', 'valueOf', 'hasOwnProperty',
]);

/** Calls of a global function (or a namespace's) that read only: `Number(x)`, `Math.max(a, b)`, `JSON.stringify(x)`. */
const READING_FUNCTIONS = new Set(['Number', 'String', 'Boolean', 'parseInt', 'parseFloat', 'isNaN', 'isFinite', 'Date']);
const READING_NAMESPACES: Record<string, Set<string>> = {
  Math: new Set(['abs', 'ceil', 'floor', 'round', 'trunc', 'sign', 'min', 'max', 'sqrt', 'pow', 'log', 'log10', 'log2', 'exp']),
  JSON: new Set(['stringify']),
  Number: new Set(['isInteger', 'isFinite', 'isNaN', 'isSafeInteger', 'parseFloat', 'parseInt']),
  Array: new Set(['isArray']),
  Object: new Set(['keys', 'values', 'entries', 'is']),
  Date: new Set(['parse', 'now']),
};
const READING_CONSTRUCTORS = new Set(['Date', 'RegExp']);

/** Names an expression may use as values: its record and the read-only globals above (no variable of the user's, which may hold a pattern whose lastIndex a call would move). */
const READING_NAMES = new Set(['r', 'undefined', 'NaN', 'Infinity', 'RegExp', ...READING_FUNCTIONS, ...Object.keys(READING_NAMESPACES)]);

function readingNode(node: AnyNode, parent: AnyNode | undefined): boolean {
  switch (node.type) {
    case 'Identifier':
      return READING_NAMES.has(node['name'] as string) || (parent !== undefined && isPropertyName(node, parent));
    case 'Literal':
    case 'MemberExpression':
    case 'ChainExpression':
    case 'BinaryExpression':
    case 'LogicalExpression':
    case 'ConditionalExpression':
    case 'SequenceExpression':
    case 'TemplateLiteral':
    case 'TemplateElement':
    case 'ArrayExpression':
    case 'ObjectExpression':
    case 'SpreadElement':
    case 'ParenthesizedExpression':
      return true;
    case 'Property':
      // A getter, setter or method in an object literal is a function.
      return node['kind'] === 'init' && !node['method'];
    case 'UnaryExpression':
      return node['operator'] !== 'delete';
    case 'CallExpression':
      return readingCallee(node['callee'] as AnyNode);
    case 'NewExpression': {
      const callee = node['callee'] as AnyNode;
      return callee.type === 'Identifier' && READING_CONSTRUCTORS.has(callee['name'] as string);
    }
    default:
      return false;
  }
}

function readingCallee(callee: AnyNode): boolean {
  if (callee.type === 'Identifier') return READING_FUNCTIONS.has(callee['name'] as string);
  if (callee.type !== 'MemberExpression' || callee['computed']) return false;
  const name = memberName(callee);
  if (name === undefined) return false;
  const object = callee['object'] as AnyNode;
  if (object.type === 'Identifier' && Object.hasOwn(READING_NAMESPACES, object['name'] as string)) {
    return READING_NAMESPACES[object['name'] as string]!.has(name);
  }
  // A pattern's own methods move its lastIndex: only on a literal, which is a new pattern on each evaluation.
  if (name === 'test' || name === 'exec') return object.type === 'Literal' && object['regex'] !== undefined;
  return READING_METHODS.has(name);
}

/** `x.name` or `{name: v}`: an identifier that names a property, not a variable. */
function isPropertyName(node: AnyNode, parent: AnyNode): boolean {
  if (parent['computed']) return false;
  if (parent.type === 'MemberExpression') return parent['property'] === node;
  if (parent.type === 'Property') return parent['key'] === node && !parent['shorthand'];
  return false;
}

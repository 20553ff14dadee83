import { isRecordMember, memberName, parseExpression, walk, type AnyNode } from './expression-parse.js';
import { fastPathsOn } from './switch.js';

/**
 * The top-level fields a map/filter expression reads from its record `r`,
 * found from a real parse of the expression. A stage may then hand the
 * expression a record holding only those fields. Whenever the record can
 * escape, the answer is undefined ("the whole record"):
 * - `r` used other than as `r.name` / `r["name"]` / `r[0]` (spread, passed to
 *   a function, `typeof r`, a computed key that is not a literal, ...);
 * - a method called on the record itself (`r.hasOwnProperty("b")`, `r.valueOf()`,
 *   `r.toString()`): the method sees all of `this`;
 * - a field of `r` written or deleted, or `r` assigned;
 * - `r` declared again anywhere inside (a parameter, a variable): no scope analysis;
 * - `this`, `arguments`, `eval`, `with`, `caller`/`callee` (ways to reach the
 *   record without naming it), also as string contents;
 * - anything acorn does not parse.
 */
export function fieldsOfExpression(expr: string): string[] | undefined {
  if (!fastPathsOn()) return undefined;
  const root = parseExpression(expr);
  if (root === undefined) return undefined;
  const fields = new Set<string>();
  let escapes = false;
  walk(root, (node, ancestors) => {
    if (escapes) return;
    if (reachesWithoutNaming(node)) {
      escapes = true;
      return;
    }
    if (node.type !== 'Identifier' || node['name'] !== 'r') return;
    const parent = ancestors[0];
    if (parent !== undefined && isPropertyName(node, parent)) return;
    const field = parent !== undefined && isRecordMember(parent) && parent['object'] === node ? readField(parent, ancestors.slice(1)) : undefined;
    if (field === undefined) escapes = true;
    else fields.add(field);
  });
  return escapes ? undefined : [...fields];
}

/** Fields read by a stage that reads `own` and passes its input record on to a stage reading `next`. */
export function unionFields(own: readonly string[] | undefined, next: readonly string[] | undefined): string[] | undefined {
  if (own === undefined || next === undefined) return undefined;
  return [...new Set([...own, ...next])];
}

const HIDDEN_ACCESS = /\b(arguments|eval|caller|callee)\b/;

function reachesWithoutNaming(node: AnyNode): boolean {
  switch (node.type) {
    case 'ThisExpression':
    case 'WithStatement':
      return true;
    case 'Identifier':
      return HIDDEN_ACCESS.test(node['name'] as string);
    case 'Literal':
      return typeof node['value'] === 'string' && HIDDEN_ACCESS.test(node['value']);
    case 'TemplateElement':
      return HIDDEN_ACCESS.test(String((node['value'] as { cooked?: string }).cooked ?? ''));
    default:
      return false;
  }
}

/** An identifier that names a property rather than a variable: `x.r`, `{r: 1}`, a class member `r`. */
function isPropertyName(node: AnyNode, parent: AnyNode): boolean {
  if (parent['computed']) return false;
  if (parent.type === 'MemberExpression') return parent['property'] === node;
  if (parent.type === 'Property') return parent['key'] === node && !parent['shorthand'];
  if (parent.type === 'MethodDefinition' || parent.type === 'PropertyDefinition') return parent['key'] === node;
  return false;
}

/** The field a member access `r.name` reads, or undefined when it does more than read a field. */
function readField(member: AnyNode, above: readonly AnyNode[]): string | undefined {
  const name = memberName(member);
  const parent = above[0];
  if (name === undefined || parent === undefined) return name;
  switch (parent.type) {
    case 'CallExpression':
    case 'NewExpression':
      return parent['callee'] === member ? undefined : name;
    case 'TaggedTemplateExpression':
      return parent['tag'] === member ? undefined : name;
    case 'AssignmentExpression':
      return parent['left'] === member ? undefined : name;
    case 'UpdateExpression':
    case 'ArrayPattern':
    case 'ObjectPattern':
    case 'RestElement':
    case 'AssignmentPattern':
    case 'ForInStatement':
    case 'ForOfStatement':
      return undefined;
    case 'UnaryExpression':
      return parent['operator'] === 'delete' ? undefined : name;
    case 'Property':
      // `({a: r.x} = o)` writes r.x.
      return above[1]?.type === 'ObjectPattern' ? undefined : name;
    default:
      return name;
  }
}

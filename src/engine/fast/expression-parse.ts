import { parse, type Node } from 'acorn';

/**
 * The syntax tree of a user expression, parsed exactly as compileExpression
 * wraps it (a sloppy-mode function of `r`), for the fast paths that need to
 * know what the expression does with its record. Undefined when acorn cannot
 * parse it or the text breaks out of the wrapper: callers then assume nothing.
 */
export function parseExpression(expr: string): Node | undefined {
  let program: Node;
  try {
    program = parse(`(function (r) { return (\n${expr}\n); })`, { ecmaVersion: 'latest', sourceType: 'script' });
  } catch {
    return undefined;
  }
  const body = (program as unknown as { body: AnyNode[] }).body;
  const fn = body.length === 1 && body[0]!.type === 'ExpressionStatement' ? (body[0]!['expression'] as AnyNode) : undefined;
  if (fn?.type !== 'FunctionExpression') return undefined;
  const params = fn['params'] as AnyNode[];
  const statements = (fn['body'] as AnyNode)['body'] as AnyNode[];
  if (params.length !== 1 || params[0]!['name'] !== 'r' || statements.length !== 1 || statements[0]!.type !== 'ReturnStatement') return undefined;
  return statements[0]!['argument'] as Node;
}

/** A node of acorn's ESTree output, read generically. */
export type AnyNode = Node & Record<string, unknown>;

/** Calls visit(node, ancestors) for every node under root, parents first; ancestors[0] is the nearest. */
export function walk(root: Node, visit: (node: AnyNode, ancestors: readonly AnyNode[]) => void): void {
  const ancestors: AnyNode[] = [];
  const go = (node: AnyNode) => {
    visit(node, ancestors);
    ancestors.unshift(node);
    for (const key of Object.keys(node)) {
      const value = node[key];
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) go(item);
      } else if (isNode(value)) go(value);
    }
    ancestors.shift();
  };
  go(root as AnyNode);
}

function isNode(value: unknown): value is AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** The field name of a member access `x.name`, `x["name"]` or `x[0]`; undefined for any other computed key. */
export function memberName(member: AnyNode): string | undefined {
  const property = member['property'] as AnyNode;
  if (!member['computed']) return property.type === 'Identifier' ? (property['name'] as string) : undefined;
  if (property.type !== 'Literal') return undefined;
  const value = property['value'];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return String(value);
  return undefined;
}

/** True for the identifier `r` used as a member's object: `r.name`, `r[...]`. */
export function isRecordMember(node: AnyNode): boolean {
  const object = node['object'] as AnyNode | undefined;
  return node.type === 'MemberExpression' && object?.type === 'Identifier' && object['name'] === 'r';
}

/** Recipes as the cookbook shows them: fenced ```sh blocks with attributes after the language. */
export interface Recipe {
  name: string;
  script: string;
  /** File the recipe writes its result to; stdout when absent. */
  output?: string;
  /** Why the recipe is not run yet (it needs something the test does not have). */
  pending?: string;
}

const FENCE = /^```sh ([^\n]*)\n([\s\S]*?)^```$/gm;

function attributes(info: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of info.trim().split(/\s+/)) {
    const eq = part.indexOf('=');
    out.set(eq < 0 ? part : part.slice(0, eq), eq < 0 ? '' : part.slice(eq + 1));
  }
  return out;
}

export function parseCookbook(markdown: string): { setup: string; recipes: Recipe[] } {
  let setup = '';
  const recipes: Recipe[] = [];
  for (const m of markdown.matchAll(FENCE)) {
    const attrs = attributes(m[1]!);
    if (attrs.has('recipe-setup')) setup += m[2];
    const name = attrs.get('recipe');
    if (name) recipes.push({ name, script: m[2]!, output: attrs.get('output'), pending: attrs.get('pending') });
  }
  return { setup, recipes };
}

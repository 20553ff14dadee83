/**
 * A string kept in state as a copy of its own. A value cut from an input line
 * can be a slice that keeps the whole read it came from alive (V8's sliced
 * strings, made for 13 characters and more): a key seen once in a while, or
 * the value of --first/--last/--collect, then held most of the input in
 * memory. Prepending a character makes a string V8 flattens into a new one
 * when it is sliced: one copy of the value, whatever the value's source.
 */
export function detached<T>(v: T): T {
  return typeof v === 'string' && v.length >= 13 ? ((' ' + v).slice(1) as T) : v;
}

/** Edit distance where swapping two neighbouring letters counts as one edit (the commonest typo). */
function distance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row.push(d);
    }
    before = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/** The candidate closest to `word`, when it is close enough to be a likely typo. */
export function closestMatch(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestDistance) (best = c), (bestDistance = d);
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** `; did you mean 'x'? (fields: a, b, x)` for a field path missing from a record, or '' when it has no fields. */
export function fieldSuggestion(path: string, record: object): string {
  const keys = Object.keys(record);
  if (keys.length === 0) return '';
  const guess = closestMatch(path, keys);
  const shown = keys.length > 10 ? `${keys.slice(0, 10).join(', ')}, ...` : keys.join(', ');
  return `${guess ? `; did you mean '${guess}'?` : ''} (fields: ${shown})`;
}

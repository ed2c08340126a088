/** Options are keyed in camelCase in code and named in kebab-case everywhere a user sees them. */
export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Every public name of an option: its kebab-case name first, then the old names it still answers to. */
export function publicNames(key: string, spec: { readonly aliases?: readonly string[] }): string[] {
  return [kebab(key), ...(spec.aliases ?? [])];
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** ", did you mean 'flavor'?" for a near miss, or nothing. */
export function suggestion(name: string, known: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 4))
    ? `; did you mean '${best}'?`
    : '';
}

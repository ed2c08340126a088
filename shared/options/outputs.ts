/**
 * A command's outputs, declared once: each name with its description (action.yml, the docs) and how
 * its value is read from the command's result (the action's step outputs).
 */

export type OutputValue = string | number | boolean | object;

export interface OutputSpec<R> {
  readonly description: string;
  readonly of: (result: R) => OutputValue | undefined;
}

export type OutputCatalog<R> = Readonly<Record<string, OutputSpec<R>>>;

/** The values of every output the result has (undefined where it has none). */
export function outputValues<R>(
  catalog: OutputCatalog<R>,
  result: R,
): Record<string, OutputValue | undefined> {
  return Object.fromEntries(Object.entries(catalog).map(([name, spec]) => [name, spec.of(result)]));
}

/** Name → description, in declaration order, for action.yml. */
export function outputDescriptions(
  ...catalogs: readonly OutputCatalog<never>[]
): Readonly<Record<string, string>> {
  return Object.fromEntries(
    catalogs.flatMap((catalog) => Object.entries(catalog).map(([name, spec]) => [name, spec.description])),
  );
}

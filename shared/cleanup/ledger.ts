import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/**
 * Everything a run creates (a qemu process, a Glance image, a Nova server, a key pair, temp files) is
 * written here as soon as it exists, so that a post step, or the CLI's own finally, can undo it after a
 * failure or a cancelled job. The file is rewritten atomically on every change.
 */
export interface CreatedResource {
  readonly kind: string;
  readonly id: string;
  readonly label?: string;
  readonly detail?: Readonly<Record<string, string | number>>;
}

export type Undo = (resource: CreatedResource) => Promise<void>;

export class Ledger {
  readonly #file: string;
  #resources: CreatedResource[];

  constructor(file: string) {
    this.#file = file;
    this.#resources = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as CreatedResource[]) : [];
  }

  get file(): string {
    return this.#file;
  }

  get resources(): readonly CreatedResource[] {
    return this.#resources;
  }

  record(resource: CreatedResource): void {
    this.#resources.push(resource);
    this.#save();
  }

  /** The resource is handed on (an output the user keeps) or already gone: nothing to undo. */
  release(kind: string, id: string): void {
    this.#resources = this.#resources.filter((r) => !(r.kind === kind && r.id === id));
    this.#save();
  }

  /**
   * Undoes in reverse order of creation. A failing undo is reported and kept in the ledger, and the
   * others still run: one stuck resource must not orphan the rest.
   */
  async undoAll(
    undoers: Readonly<Record<string, Undo>>,
    onError: (resource: CreatedResource, error: unknown) => void,
  ): Promise<number> {
    let undone = 0;
    for (const resource of [...this.#resources].reverse()) {
      const undo = undoers[resource.kind];
      if (!undo) {
        onError(resource, new Error(`no way to remove a ${resource.kind}`));
        continue;
      }
      try {
        await undo(resource);
        this.release(resource.kind, resource.id);
        undone += 1;
      } catch (error) {
        onError(resource, error);
      }
    }
    return undone;
  }

  #save(): void {
    const temp = `${this.#file}.tmp`;
    writeFileSync(temp, JSON.stringify(this.#resources, null, 2), { mode: 0o600 });
    renameSync(temp, this.#file);
  }
}

import type { OpenStackSession } from './auth.js';
import { OpenStackHttpError } from './http.js';
import { waitFor, type WaitOptions } from '../wait.js';

/** Newer catalogs call the block-storage API by its official type, older ones by its version. */
const SERVICE_TYPES = ['block-storage', 'volumev3'] as const;

/** States in which Cinder refuses a delete: wait them out. */
const BUSY = new Set(['in-use', 'attaching', 'detaching', 'reserved', 'creating', 'downloading']);

export interface Volume {
  readonly id: string;
  readonly status: string;
  readonly size: number;
}

/**
 * The few Cinder calls a deployment needs: a boot volume is made by Nova from the image, but a failed
 * run that asked Nova to keep it (delete_on_termination false) must delete it itself.
 */
export class Cinder {
  readonly #session: OpenStackSession;
  readonly #type: string;

  constructor(session: OpenStackSession) {
    this.#session = session;
    this.#type = SERVICE_TYPES.find((type) => session.hasEndpoint(type)) ?? SERVICE_TYPES[0];
  }

  static available(session: OpenStackSession): boolean {
    return SERVICE_TYPES.some((type) => session.hasEndpoint(type));
  }

  async findVolume(id: string): Promise<Volume | undefined> {
    try {
      const response = await this.#session.request(this.#type, {
        method: 'GET',
        path: `/volumes/${encodeURIComponent(id)}`,
        response: 'json',
      });
      return (response.body as { volume: Volume }).volume;
    } catch (error) {
      if (error instanceof OpenStackHttpError && error.status === 404) return undefined;
      throw error;
    }
  }

  /**
   * Deletes a volume once nothing holds it (a deleted server detaches its volumes a moment later) and
   * waits until it is gone; a volume already gone counts as deleted.
   */
  async deleteVolumeAndWait(id: string, options: Partial<WaitOptions> = {}): Promise<void> {
    let last: string | undefined;
    let asked = false;
    await waitFor(
      `volume ${id} to be deleted`,
      { pollMs: 1000, ...options },
      async () => {
        const volume = await this.findVolume(id);
        if (volume === undefined) return true;
        last = volume.status;
        if (!asked && !BUSY.has(volume.status)) {
          await this.#session.request(this.#type, {
            method: 'DELETE',
            path: `/volumes/${encodeURIComponent(id)}`,
            expect: [202, 204, 404],
            response: 'none',
          });
          asked = true;
        }
        return undefined;
      },
      () => last,
    );
  }
}

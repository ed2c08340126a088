// A Debian 12 VM with the Indico recipe run in it (install-indico: false): the real target that the
// manage integration tests and the manage benchmark work on. Booted from the base-image fixture
// through an overlay, so nothing is cached across runs; within one process every caller shares one VM.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../../shared/cleanup/ledger.js';
import { bootVm, waitForSsh, writeSeed } from '../../shared/image/vm.js';
import { renderScriptCommand } from '../../shared/options/commands.js';
import { resolveOptions } from '../../shared/options/resolve.js';
import { chooseAccelerator } from '../../shared/qemu/accelerator.js';
import { createOverlay } from '../../shared/qemu/img.js';
import { renderRecipe, type RecipeOptions } from '../../shared/recipe/render.js';
import type { Reporter } from '../../shared/report/reporter.js';
import { Secret } from '../../shared/secret.js';
import { TerminalReporter } from '../../shared/report/terminal.js';
import { ensureBaseImage } from './base-image.js';

export interface RecipeVm {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** OpenSSH private key of `username` (passwordless sudo). */
  readonly privateKey: Secret;
  /** The VM's only host key, as an authorized_keys-style public line. */
  readonly hostKey: string;
  readonly hostKeyFingerprint: string;
  /** Seconds the boot and the recipe took. */
  readonly timings: { readonly boot: number; readonly recipe: number };
  readonly stop: () => Promise<void>;
}

let shared: Promise<RecipeVm> | undefined;

/** The recipe options as `indicovm render-script` resolves them with nothing given. */
export function recipeDefaults(): RecipeOptions {
  return resolveOptions(renderScriptCommand, { explicit: {}, env: {} }).values;
}

/**
 * One VM per process: the first caller boots it, later callers get the same one. For working on the
 * tests, INDICOVM_RECIPE_VM names a JSON file describing a VM that is already up (host, port,
 * username, privateKey, hostKey): it is used as it is and not stopped.
 */
export function recipeVm(overrides: Partial<RecipeOptions> = {}, reporter?: Reporter): Promise<RecipeVm> {
  const given = process.env.INDICOVM_RECIPE_VM;
  if (given) {
    const vm = JSON.parse(readFileSync(given, 'utf8')) as Omit<RecipeVm, 'privateKey' | 'stop'> & {
      privateKey: string;
    };
    return Promise.resolve({ ...vm, privateKey: new Secret(vm.privateKey), stop: async () => undefined });
  }
  shared ??= bootRecipeVm(overrides, reporter).catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

export async function bootRecipeVm(
  overrides: Partial<RecipeOptions> = {},
  reporter: Reporter = new TerminalReporter({ verbose: process.env.INDICOVM_VERBOSE === '1' }),
): Promise<RecipeVm> {
  const base = await ensureBaseImage();
  const workDir = mkdtempSync(join(tmpdir(), 'indicovm-recipe-vm-'));
  const ledger = new Ledger(join(workDir, 'ledger.json'));
  const disk = join(workDir, 'disk.qcow2');
  await createOverlay(base, 'qcow2', disk, 4 * 1024 ** 3);
  const { seed, seedFile } = writeSeed(workDir, 'seed.iso', {
    hostname: 'indicovm-manage',
    buildUser: 'debian',
  });
  const serialLog = join(workDir, 'serial.log');
  const started = Date.now();
  const qemu = await bootVm(
    {
      name: 'recipe',
      workDir,
      disk,
      diskFormat: 'qcow2',
      seed,
      seedFile,
      serialLog,
      machine: {
        binary: 'qemu-system-x86_64',
        accelerator: chooseAccelerator(
          (process.env.INDICOVM_TEST_ACCELERATOR as 'tcg' | 'kvm' | 'auto' | undefined) ?? 'auto',
          reporter,
        ),
        memory: 1536,
        cpus: 2,
        extraArgs: [],
      },
    },
    ledger,
    reporter,
    { guestPorts: [22] },
  );
  const stop = async (): Promise<void> => {
    await qemu.stop(reporter);
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    const session = await waitForSsh(qemu, seed, serialLog, 300_000, reporter);
    const booted = Date.now();
    try {
      const recipe = renderRecipe({ ...recipeDefaults(), installIndico: false, ...overrides });
      await session.runScript(recipe.script, {
        sudo: true,
        timeoutMs: 900_000,
        onStdout: (text) => reporter.debug(text.trimEnd()),
        onStderr: (text) => reporter.debug(text.trimEnd()),
      });
    } finally {
      await session.close();
    }
    return {
      host: '127.0.0.1',
      port: qemu.hostPort(22),
      username: seed.buildUser,
      privateKey: seed.buildKey.privateKey,
      hostKey: seed.hostKey.publicKey,
      hostKeyFingerprint: seed.hostKey.fingerprint,
      timings: { boot: (booted - started) / 1000, recipe: (Date.now() - booted) / 1000 },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

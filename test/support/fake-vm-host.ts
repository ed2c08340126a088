// An in-memory VmHost for unit tests of buildImage's order of work: no qemu, no qemu-img. Host
// operations and what the build asks of the guest go into one `events` list, in order. The guest is a
// FakeSshSession that knows cloud-init, the machine id, scripts (kept, never run) and the last seal,
// which powers the VM off. Images are small real files in the output folder, recorded in the ledger as
// the real conversion does, so the build's hashing and its undo work on them. `failAt` makes a step
// throw.
import { createHash } from 'node:crypto';
import { appendFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CreatedResource, Ledger, Undo } from '../../shared/cleanup/ledger.js';
import { cloudInitWaitScript } from '../../shared/image/cloud-init-wait.js';
import { OUTPUT_FILE_RESOURCE } from '../../shared/image/convert.js';
import type { ManifestImage } from '../../shared/image/manifest.js';
import { FINAL_SEAL_PATH, SEAL_OK, sealScript } from '../../shared/image/seal.js';
import type { StackVerifyResult, VerifyRequest } from '../../shared/image/verify.js';
import type { BootedVm, SeedContent, VmHost } from '../../shared/image/vm-host.js';
import { writeSeed, type BootRequest, type WrittenSeed } from '../../shared/image/vm.js';
import { imageExtension, type ImageFormat, type ImageInfo } from '../../shared/qemu/img.js';
import { QEMU_RESOURCE } from '../../shared/qemu/process.js';
import type { ExecResult } from '../../shared/ssh/exec.js';
import type { SshSession } from '../../shared/ssh/index.js';
import { FakeSshSession } from './fake-ssh.js';

/** What the wait script prints in a guest where cloud-init finished without errors (cloud-init 22.4's files). */
export const CLOUD_INIT_DONE =
  'indicovm-cloud-init: result\n{"v1": {"datasource": "DataSourceNoCloud", "errors": []}}\n' +
  'indicovm-cloud-init: status\n{"v1": {"init": {"errors": []}, "modules-final": {"errors": []}, "stage": null}}\n';

/** Where a fake build can be made to fail; `provision` is a script other than the seal exiting 1. */
export type FakeStep = 'overlay' | 'seed' | 'boot' | 'ssh' | 'provision' | `convert ${string}` | 'verify';

export const FAKE_MACHINE_ID = 'f00dbabe0000000000000000000000aa';

export class FakeVm implements BootedVm {
  /** Above the largest pid Linux hands out (2^22), so no real process can be hit by mistake. */
  readonly pid: number;
  running = true;

  constructor(
    private readonly host: FakeVmHost,
    readonly request: BootRequest,
    readonly ledger: Ledger,
  ) {
    this.pid = 90_000_000 + host.vms.length;
  }

  async connectSsh(): Promise<SshSession> {
    this.host.step('ssh');
    return this.host.session.asSession();
  }

  async waitForExit(): Promise<boolean> {
    return !this.running;
  }

  async stop(): Promise<void> {
    this.host.events.push('vm stopped');
    this.running = false;
    this.ledger.release(QEMU_RESOURCE, String(this.pid));
  }

  powerOff(): void {
    appendFileSync(this.request.serialLog, `${SEAL_OK}\n`);
    this.running = false;
  }
}

export class FakeVmHost implements VmHost {
  readonly events: string[] = [];
  readonly vms: FakeVm[] = [];
  /** The stdin of every script the build ran, the seal's included. */
  readonly scripts: string[] = [];
  readonly verifyRequests: VerifyRequest[] = [];
  readonly session = new FakeSshSession('builder@127.0.0.1', {
    log: this.events,
    answer: (argv, options) => this.#answer(argv, options.stdin?.toString()),
  });
  failAt: { step: FakeStep; error: Error } | undefined;
  /** The guest powers off after the last seal; false leaves it running, as a stuck shutdown would. */
  powersOff = true;
  verifyResult: StackVerifyResult = { hostKeyChanged: true, machineIdChanged: true, buildUserGone: true };

  readonly undoers: Readonly<Record<string, Undo>> = {
    [QEMU_RESOURCE]: async (resource: CreatedResource) => {
      const vm = this.vms.find((candidate) => String(candidate.pid) === resource.id);
      if (vm?.running) {
        vm.running = false;
        this.events.push('vm killed');
      }
    },
  };

  /** Throws the error set for this step, after recording that it was reached. */
  step(name: FakeStep): void {
    this.events.push(name);
    if (this.failAt?.step === name) throw this.failAt.error;
  }

  async imageInfo(path: string): Promise<ImageInfo> {
    this.events.push(`image-info ${basename(path)}`);
    return { format: 'qcow2', virtualSize: 1024 * 1024 };
  }

  async createOverlay(_base: string, _format: string, overlay: string): Promise<void> {
    this.step('overlay');
    writeFileSync(overlay, 'overlay');
  }

  writeSeed(workDir: string, fileName: string, content: SeedContent): WrittenSeed {
    this.step('seed');
    return writeSeed(workDir, fileName, content);
  }

  async boot(request: BootRequest, ledger: Ledger): Promise<BootedVm> {
    const vm = new FakeVm(this, request, ledger);
    this.vms.push(vm);
    writeFileSync(request.serialLog, 'fake console\n');
    ledger.record({ kind: QEMU_RESOURCE, id: String(vm.pid), label: `${request.name} VM` });
    this.step('boot');
    return vm;
  }

  async convertImages(
    _overlay: string,
    spec: { readonly formats: readonly string[]; readonly imageName: string },
    outputDir: string,
    ledger: Ledger,
  ): Promise<ManifestImage[]> {
    const images: ManifestImage[] = [];
    for (const format of spec.formats) {
      const file = `${spec.imageName}.${imageExtension(format as ImageFormat)}`;
      const path = join(outputDir, file);
      ledger.record({ kind: OUTPUT_FILE_RESOURCE, id: `${path}.partial` });
      ledger.record({ kind: OUTPUT_FILE_RESOURCE, id: path });
      const content = `${format} image of ${spec.imageName}\n`;
      // A failing conversion leaves its partial file, as a killed qemu-img would.
      writeFileSync(`${path}.partial`, content);
      this.step(`convert ${format}`);
      renameSync(`${path}.partial`, path);
      ledger.release(OUTPUT_FILE_RESOURCE, `${path}.partial`);
      const sha256 = createHash('sha256').update(content).digest('hex');
      images.push({ format, file, path, size: statSync(path).size, sha256, check: 'no errors' });
    }
    return images;
  }

  async verifyImage(request: VerifyRequest): Promise<StackVerifyResult> {
    this.verifyRequests.push(request);
    this.step('verify');
    return this.verifyResult;
  }

  #answer(argv: readonly string[], stdin: string | undefined): ExecResult | undefined {
    const ok = (stdout = ''): ExecResult => ({ code: 0, stdout, stderr: '' });
    const command = argv.join(' ');
    if (command === `sh -c ${cloudInitWaitScript()}`) {
      return ok(CLOUD_INIT_DONE);
    }
    if (command === 'cat /etc/machine-id') return ok(`${FAKE_MACHINE_ID}\n`);
    if (command === 'sh -s --') {
      this.scripts.push(stdin ?? '');
      const failing = this.failAt?.step === 'provision' && stdin !== sealScript();
      return failing ? { code: 1, stdout: '', stderr: 'provisioning broke\n' } : ok();
    }
    if (argv[0] === 'systemd-run' && argv.at(-1) === FINAL_SEAL_PATH) {
      if (this.powersOff) this.vms.at(-1)?.powerOff();
      return ok();
    }
    return undefined;
  }
}

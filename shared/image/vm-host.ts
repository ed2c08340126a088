/**
 * The machine side of a build as a port: the disks, seeds, VMs and SSH logins that buildImage puts in
 * order. Behind it is qemu (qemu-vm-host.ts) or, in unit tests of that order, an in-memory fake.
 */
import type { Ledger, Undo } from '../cleanup/ledger.js';
import type { ImageInfo } from '../qemu/img.js';
import type { Reporter } from '../report/reporter.js';
import type { SshSession } from '../ssh/index.js';
import type { ConvertSpec } from './convert.js';
import type { ManifestImage } from './manifest.js';
import type { StackVerifyResult, VerifyRequest } from './verify.js';
import type { BootRequest, writeSeed, WrittenSeed } from './vm.js';

export type SeedContent = Parameters<typeof writeSeed>[2];

/** A build VM that runs, recorded in the ledger under QEMU_RESOURCE by its pid until it has exited. */
export interface BootedVm {
  readonly pid: number;
  /** An SSH login with the seed's pinned host key, retried until timeoutMs or until the VM exits. */
  connectSsh(timeoutMs: number, reporter: Reporter): Promise<SshSession>;
  /** True when the VM exited by itself within ms. */
  waitForExit(ms: number): Promise<boolean>;
  /** Ends the VM and takes it out of the ledger. */
  stop(reporter: Reporter): Promise<unknown>;
}

export interface VmHost {
  /** How to remove what boot records in the ledger, for the build's finally and for a post step. */
  readonly undoers: Readonly<Record<string, Undo>>;
  imageInfo(path: string): Promise<ImageInfo>;
  createOverlay(base: string, baseFormat: string, overlay: string, sizeBytes: number): Promise<void>;
  writeSeed(workDir: string, fileName: string, content: SeedContent): WrittenSeed;
  /** Boots with the guest's SSH port forwarded; the VM is in the ledger before this returns. */
  boot(request: BootRequest, ledger: Ledger, reporter: Reporter): Promise<BootedVm>;
  /** One image per format in outputDir, each in the ledger (as OUTPUT_FILE_RESOURCE) while written. */
  convertImages(
    overlay: string,
    spec: ConvertSpec,
    outputDir: string,
    ledger: Ledger,
    reporter: Reporter,
  ): Promise<ManifestImage[]>;
  verifyImage(request: VerifyRequest): Promise<StackVerifyResult>;
}

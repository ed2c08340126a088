import type { Accelerator } from './accelerator.js';

/** A TCP port of the guest reachable on 127.0.0.1:hostPort of the host. */
export interface PortForward {
  readonly hostPort: number;
  readonly guestPort: number;
}

export interface QemuMachineSpec {
  readonly binary: string;
  readonly accelerator: Accelerator;
  /** MiB. */
  readonly memory: number;
  readonly cpus: number;
  /** The disk the guest boots from (an overlay: the base image is never written). */
  readonly disk: string;
  readonly diskFormat: string;
  /** A NoCloud seed image, attached as a CD-ROM (IDE on `-machine pc`, which every cloud kernel has). */
  readonly seed?: string;
  readonly forwards: readonly PortForward[];
  readonly serialLog: string;
  readonly pidFile: string;
  readonly monitorSocket: string;
  /** Appended last, so they can add devices or override earlier settings. */
  readonly extraArgs?: readonly string[];
}

/**
 * The qemu command line, as an argument vector (never a shell string). `-machine pc` because the cloud
 * kernels lack AHCI (a q35 CD-ROM would be invisible); virtio disk and NIC because they lack e1000.
 */
export function qemuArgv(spec: QemuMachineSpec): string[] {
  for (const forward of spec.forwards) {
    for (const port of [forward.hostPort, forward.guestPort]) {
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new Error(`Not a TCP port: ${port}`);
      }
    }
  }
  const nic = [
    'user',
    'model=virtio-net-pci',
    // Loopback only: the guest is not to be reachable from the network during a build.
    ...spec.forwards.map((f) => `hostfwd=tcp:127.0.0.1:${f.hostPort}-:${f.guestPort}`),
  ].join(',');
  const argv = [
    spec.binary,
    '-machine',
    'pc',
    '-accel',
    spec.accelerator,
    // -cpu host aborts on some KVM hosts (MSR 0x10a, arch-capabilities); without it, it works everywhere.
    '-cpu',
    spec.accelerator === 'kvm' ? 'host,-arch-capabilities' : 'max',
    '-smp',
    String(spec.cpus),
    '-m',
    String(spec.memory),
    '-drive',
    `file=${driveValue(spec.disk)},if=virtio,format=${spec.diskFormat},discard=unmap`,
  ];
  if (spec.seed !== undefined) {
    argv.push('-drive', `file=${driveValue(spec.seed)},media=cdrom,readonly=on`);
  }
  argv.push(
    '-nic',
    nic,
    '-device',
    'virtio-rng-pci',
    '-display',
    'none',
    '-serial',
    `file:${spec.serialLog}`,
    '-pidfile',
    spec.pidFile,
    '-monitor',
    `unix:${spec.monitorSocket},server,nowait`,
    ...(spec.extraArgs ?? []),
  );
  return argv;
}

/** In -drive option values a comma is escaped by doubling it. */
function driveValue(path: string): string {
  return path.replaceAll(',', ',,');
}

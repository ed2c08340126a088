import { describe, expect, test } from '@jest/globals';
import { qemuArgv, type QemuMachineSpec } from '../../../shared/qemu/argv.js';

const spec: QemuMachineSpec = {
  binary: 'qemu-system-x86_64',
  accelerator: 'tcg',
  memory: 2048,
  cpus: 2,
  disk: '/work/disk.qcow2',
  diskFormat: 'qcow2',
  seed: '/work/seed.iso',
  forwards: [
    { hostPort: 40022, guestPort: 22 },
    { hostPort: 40443, guestPort: 443 },
  ],
  serialLog: '/work/serial.log',
  pidFile: '/work/qemu.pid',
  monitorSocket: '/work/monitor.sock',
};

/** The value after a flag, for each occurrence. */
function values(argv: string[], flag: string): string[] {
  return argv.flatMap((arg, i) => (arg === flag ? [argv[i + 1]!] : []));
}

describe('qemuArgv', () => {
  test('a TCG machine: pc, -cpu max, memory, cpus, virtio disk, seed CD-ROM, loopback forwards', () => {
    const argv = qemuArgv(spec);
    expect(argv[0]).toBe('qemu-system-x86_64');
    expect(values(argv, '-machine')).toEqual(['pc']);
    expect(values(argv, '-accel')).toEqual(['tcg']);
    expect(values(argv, '-cpu')).toEqual(['max']);
    expect(values(argv, '-m')).toEqual(['2048']);
    expect(values(argv, '-smp')).toEqual(['2']);
    expect(values(argv, '-drive')).toEqual([
      'file=/work/disk.qcow2,if=virtio,format=qcow2,discard=unmap',
      'file=/work/seed.iso,media=cdrom,readonly=on',
    ]);
    expect(values(argv, '-nic')).toEqual([
      'user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:40022-:22,hostfwd=tcp:127.0.0.1:40443-:443',
    ]);
    expect(values(argv, '-serial')).toEqual(['file:/work/serial.log']);
    expect(values(argv, '-display')).toEqual(['none']);
    expect(values(argv, '-pidfile')).toEqual(['/work/qemu.pid']);
    expect(values(argv, '-monitor')).toEqual(['unix:/work/monitor.sock,server,nowait']);
  });

  test('KVM uses the host CPU without arch-capabilities (which aborts on some hosts)', () => {
    const argv = qemuArgv({ ...spec, accelerator: 'kvm' });
    expect(values(argv, '-accel')).toEqual(['kvm']);
    expect(values(argv, '-cpu')).toEqual(['host,-arch-capabilities']);
  });

  test('every forward is bound to 127.0.0.1, never to all interfaces', () => {
    const nic = values(qemuArgv(spec), '-nic')[0]!;
    const forwards = nic.split(',').filter((part) => part.startsWith('hostfwd='));
    expect(forwards).toHaveLength(2);
    for (const forward of forwards) {
      expect(forward).toMatch(/^hostfwd=tcp:127\.0\.0\.1:\d+-:\d+$/);
    }
  });

  test('extra qemu-args come last, in order', () => {
    const argv = qemuArgv({ ...spec, extraArgs: ['-device', 'virtio-balloon', '-no-reboot'] });
    expect(argv.slice(-3)).toEqual(['-device', 'virtio-balloon', '-no-reboot']);
  });

  test('no seed: no CD-ROM; commas in paths are escaped for -drive', () => {
    const { seed: _seed, ...withoutSeed } = spec;
    const argv = qemuArgv({ ...withoutSeed, disk: '/a,b/disk.qcow2' });
    expect(values(argv, '-drive')).toEqual(['file=/a,,b/disk.qcow2,if=virtio,format=qcow2,discard=unmap']);
  });

  test('rejects a port out of range', () => {
    expect(() => qemuArgv({ ...spec, forwards: [{ hostPort: 70000, guestPort: 22 }] })).toThrow(
      'Not a TCP port',
    );
  });
});

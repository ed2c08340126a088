import { describe, expect, test } from '@jest/globals';
import { ConfigurationError } from '../../../shared/errors.js';
import { chooseAccelerator, decideAccelerator, type HostFacts } from '../../../shared/qemu/accelerator.js';
import { RecordingReporter } from '../../support/recording-reporter.js';

const realKvm: HostFacts = {
  kvmDeviceExists: true,
  kvmDeviceReadWrite: true,
  cpuHasVirtualization: true,
  kvmIsPvm: false,
};
const noKvm: HostFacts = { ...realKvm, kvmDeviceExists: false, kvmDeviceReadWrite: false };
const pvm: HostFacts = { ...realKvm, cpuHasVirtualization: false, kvmIsPvm: true };
const notWritable: HostFacts = { ...realKvm, kvmDeviceReadWrite: false };

describe('decideAccelerator', () => {
  test('kvm and auto pick KVM on a host with usable hardware virtualisation', () => {
    expect(decideAccelerator('kvm', realKvm)).toEqual({ accelerator: 'kvm' });
    expect(decideAccelerator('auto', realKvm)).toEqual({ accelerator: 'kvm' });
  });

  test('tcg is used only when asked, even where KVM works', () => {
    expect(decideAccelerator('tcg', realKvm)).toEqual({ accelerator: 'tcg' });
  });

  test.each([
    ['no /dev/kvm', noKvm, /does not exist/],
    ['KVM-PVM', pvm, /KVM-PVM/],
    ['no vmx/svm', { ...realKvm, cpuHasVirtualization: false }, /vmx\/svm/],
  ])('%s: auto falls back to TCG with the reason, kvm refuses', (_name, facts, reason) => {
    const decision = decideAccelerator('auto', facts);
    expect(decision.accelerator).toBe('tcg');
    expect(decision.reason).toMatch(reason);
    expect(() => decideAccelerator('kvm', facts)).toThrow(ConfigurationError);
    expect(() => decideAccelerator('kvm', facts)).toThrow(reason);
  });

  test('a /dev/kvm this user cannot write is a configuration error naming the udev fix, for kvm and auto', () => {
    for (const choice of ['kvm', 'auto'] as const) {
      expect(() => decideAccelerator(choice, notWritable)).toThrow(ConfigurationError);
      expect(() => decideAccelerator(choice, notWritable)).toThrow(
        'KERNEL=="kvm", GROUP="kvm", MODE="0666", OPTIONS+="static_node=kvm"',
      );
      expect(() => decideAccelerator(choice, notWritable)).toThrow('udevadm trigger --name-match=kvm');
    }
    expect(decideAccelerator('tcg', notWritable)).toEqual({ accelerator: 'tcg' });
  });
});

describe('chooseAccelerator', () => {
  test('auto falling back to TCG warns loudly; a KVM choice does not warn', () => {
    const reporter = new RecordingReporter();
    expect(chooseAccelerator('auto', reporter, pvm)).toBe('tcg');
    expect(reporter.warnings()).toHaveLength(1);
    expect(reporter.warnings()[0]).toMatch(/^KVM IS NOT USABLE: .*TCG/);
    const quiet = new RecordingReporter();
    expect(chooseAccelerator('auto', quiet, realKvm)).toBe('kvm');
    expect(chooseAccelerator('tcg', quiet, pvm)).toBe('tcg');
    expect(quiet.warnings()).toEqual([]);
  });
});

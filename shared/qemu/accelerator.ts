import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { ConfigurationError } from '../errors.js';
import type { Reporter } from '../report/reporter.js';

export type AcceleratorChoice = 'kvm' | 'tcg' | 'auto';
export type Accelerator = 'kvm' | 'tcg';

/** What decides whether KVM is worth using, read from the host (injectable so the rules are unit-tested). */
export interface HostFacts {
  readonly kvmDeviceExists: boolean;
  readonly kvmDeviceReadWrite: boolean;
  /** The CPU advertises hardware virtualisation (vmx or svm in /proc/cpuinfo). */
  readonly cpuHasVirtualization: boolean;
  /**
   * KVM-PVM is loaded: /dev/kvm works but runs an unmodified guest kernel by emulation, far slower than
   * TCG (minutes to reach early kernel init), so it must never be picked.
   */
  readonly kvmIsPvm: boolean;
}

export function readHostFacts(): HostFacts {
  const kvmDeviceExists = existsSync('/dev/kvm');
  let kvmDeviceReadWrite = false;
  if (kvmDeviceExists) {
    try {
      accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
      kvmDeviceReadWrite = true;
    } catch {
      kvmDeviceReadWrite = false;
    }
  }
  let cpuinfo = '';
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    cpuinfo = '';
  }
  return {
    kvmDeviceExists,
    kvmDeviceReadWrite,
    cpuHasVirtualization: /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo),
    kvmIsPvm: existsSync('/sys/module/kvm_pvm'),
  };
}

/** The fix for hosted Linux runners, where /dev/kvm exists but belongs to a group the job user is not in. */
export const KVM_UDEV_FIX = [
  'echo \'KERNEL=="kvm", GROUP="kvm", MODE="0666", OPTIONS+="static_node=kvm"\' | sudo tee /etc/udev/rules.d/99-kvm4all.rules',
  'sudo udevadm control --reload-rules',
  'sudo udevadm trigger --name-match=kvm',
].join('\n');

export interface AcceleratorDecision {
  readonly accelerator: Accelerator;
  /** Why KVM was not used, when it was not (auto only). */
  readonly reason?: string;
}

/** Why KVM cannot be used on this host, or undefined when it can. Throws for a fixable permission problem. */
function kvmProblem(facts: HostFacts): string | undefined {
  if (!facts.kvmDeviceExists) {
    return '/dev/kvm does not exist (no nested virtualisation on this host)';
  }
  if (facts.kvmIsPvm) {
    return '/dev/kvm is KVM-PVM (module kvm_pvm), which runs a stock guest kernel far slower than TCG';
  }
  if (!facts.cpuHasVirtualization) {
    return 'the CPU has no vmx/svm flag, so KVM would have to emulate';
  }
  if (!facts.kvmDeviceReadWrite) {
    throw new ConfigurationError(
      "Option 'accelerator': /dev/kvm exists but this user cannot read and write it. On a hosted runner, " +
        `add a step before this one that runs:\n${KVM_UDEV_FIX}\n` +
        "or set 'accelerator: tcg' (software emulation, 10 times slower or more).",
    );
  }
  return undefined;
}

export function decideAccelerator(choice: AcceleratorChoice, facts: HostFacts): AcceleratorDecision {
  if (choice === 'tcg') {
    return { accelerator: 'tcg' };
  }
  const problem = kvmProblem(facts);
  if (problem === undefined) {
    return { accelerator: 'kvm' };
  }
  if (choice === 'kvm') {
    throw new ConfigurationError(
      `Option 'accelerator' is kvm, but KVM is not usable here: ${problem}. ` +
        "Use 'accelerator: auto' to fall back to TCG (software emulation, much slower), or 'tcg'.",
    );
  }
  return { accelerator: 'tcg', reason: problem };
}

/** decideAccelerator with a loud warning when auto falls back to software emulation. */
export function chooseAccelerator(
  choice: AcceleratorChoice,
  reporter: Reporter,
  facts: HostFacts = readHostFacts(),
): Accelerator {
  const decision = decideAccelerator(choice, facts);
  if (decision.reason !== undefined) {
    reporter.warning(
      `KVM IS NOT USABLE: ${decision.reason}. Falling back to TCG software emulation: booting and ` +
        'provisioning will be 10-50 times slower. Run on a host with hardware virtualisation for real builds.',
    );
  }
  return decision.accelerator;
}

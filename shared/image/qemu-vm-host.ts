/** The VmHost of real builds: qemu-img for the disks, qemu for the VMs, SSH into them. */
import { createOverlay, imageInfo } from '../qemu/img.js';
import { killRecordedQemu, QEMU_RESOURCE } from '../qemu/process.js';
import { convertImages } from './convert.js';
import { verifyImage } from './verify.js';
import type { VmHost } from './vm-host.js';
import { bootVm, waitForSsh, writeSeed } from './vm.js';

export const qemuVmHost: VmHost = {
  undoers: { [QEMU_RESOURCE]: killRecordedQemu },
  imageInfo,
  createOverlay,
  writeSeed,
  async boot(request, ledger, reporter) {
    const qemu = await bootVm(request, ledger, reporter, { guestPorts: [22] });
    return {
      pid: qemu.pid,
      connectSsh: (timeoutMs, sshReporter) =>
        waitForSsh(qemu, request.seed, request.serialLog, timeoutMs, sshReporter),
      waitForExit: (ms) => qemu.waitForExit(ms),
      stop: (stopReporter) => qemu.stop(stopReporter),
    };
  },
  convertImages,
  verifyImage,
};

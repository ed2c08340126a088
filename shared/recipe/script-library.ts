import { shellFile } from './sh-file.js';

/**
 * The shell functions every provisioning script starts with: output, distribution detection and
 * idempotent file installation. Plain POSIX sh (dash on Debian/Ubuntu, bash as sh on EL).
 */

export const SUPPORTED_TEXT = 'Debian 12/13, Ubuntu 22.04/24.04, AlmaLinux 9, Rocky Linux 9';

/** Exit code for an unsupported distribution (distinct from 1, a failed step). */
export const UNSUPPORTED_EXIT = 3;

/** The functions (library.sh); they read TOTAL_STEPS, INDICOVM_OS_RELEASE, SUPPORTED_TEXT and UNSUPPORTED_EXIT. */
export const LIBRARY = shellFile('library.sh');

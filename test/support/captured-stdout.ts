import { afterEach, beforeEach, jest } from '@jest/globals';

/** What the code under test writes to process.stdout, kept instead of printed, for each test of the calling block. */
export interface CapturedStdout {
  /** Everything written since the test began or since the last clear(). */
  text(): string;
  clear(): void;
}

/** Replaces process.stdout.write before each test of the calling describe block and restores it after. */
export function captureStdout(): CapturedStdout {
  const written: string[] = [];
  let restore: (() => void) | undefined;
  beforeEach(() => {
    written.length = 0;
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    restore = () => spy.mockRestore();
  });
  afterEach(() => {
    restore?.();
    restore = undefined;
  });
  return {
    text: () => written.join(''),
    clear: () => {
      written.length = 0;
    },
  };
}

/** A test sshd (test/support/sshd.ts) for one test file or describe block: started before its tests, stopped after them. */
import { afterAll, beforeAll } from '@jest/globals';
import { startSshd, type Sshd, type SshdOptions } from './sshd.js';

/** Returns the server's getter: it runs only once the tests do, not while the file is being read. */
export function useSshd(options: SshdOptions = {}): () => Sshd {
  let sshd: Sshd | undefined;
  beforeAll(async () => {
    sshd = await startSshd(options);
  });
  afterAll(async () => {
    await sshd?.stop();
  });
  return () => {
    if (!sshd) throw new Error('useSshd: the server runs only while the tests run');
    return sshd;
  };
}

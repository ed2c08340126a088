import { describe, expect, test } from '@jest/globals';
import { ConfigurationError } from '../../../shared/errors.js';
import { checkManageOptions } from '../../../shared/manage/manage.js';
import { manageCommand } from '../../../shared/options/commands.js';
import { resolveOptions } from '../../../shared/options/resolve.js';

describe('options checked before connecting', () => {
  test('every missing requirement is listed at once, with the option names users type', () => {
    const options = resolveOptions(manageCommand, {
      explicit: {
        host: '192.0.2.1',
        'ssh-key': 'k',
        'host-keys': 'ssh-ed25519 AAAA',
        tasks: 'config,run',
        'http-port': '8443',
        'https-port': '8443',
      },
      explicitKind: 'input',
      env: {},
    }).values;
    let message = '';
    try {
      checkManageOptions(options);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      message = (error as Error).message;
    }
    expect(message).toContain("Task 'config' needs option 'ssl-cert'.");
    expect(message).toContain("Task 'config' needs option 'redis-password'.");
    expect(message).toContain("Task 'run' needs option 'script'.");
    expect(message).toContain('http-port and https-port must differ');
  });
});

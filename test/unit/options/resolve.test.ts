import { describe, expect, test } from '@jest/globals';
import { ConfigurationError } from '../../../shared/errors.js';
import {
  buildImageCommand,
  deployCommand,
  manageCommand,
  COMMANDS,
} from '../../../shared/options/commands.js';
import { resolveOptions } from '../../../shared/options/resolve.js';
import { parseSettingsFile } from '../../../shared/options/settings-file.js';
import { Secret } from '../../../shared/secret.js';

const file = (text: string) => parseSettingsFile(text, 'indicovm.yml', COMMANDS);

describe('resolveOptions', () => {
  test('defaults apply when nothing is given', () => {
    const { values, sources } = resolveOptions(manageCommand, {});
    expect(values.port).toBe(22);
    expect(values.components).toEqual(['redis', 'postgresql', 'web', 'uwsgi', 'celery']);
    expect(sources.port).toBe('default');
    expect(values.host).toBeUndefined();
  });

  test('the accelerator defaults to auto, as Packer picks KVM where it can and falls back otherwise', () => {
    const { values, sources } = resolveOptions(buildImageCommand, {});
    expect([values.accelerator, sources.accelerator]).toEqual(['auto', 'default']);
  });

  test('types: options with a default are always set, the others may be undefined', () => {
    const { values } = resolveOptions(manageCommand, {});
    const port: number = values.port;
    // @ts-expect-error host has no default, so it may be undefined
    const host: string = values.host;
    expect([port, host]).toEqual([22, undefined]);
  });

  test('inputs beat the environment, which beats the file, which beats defaults', () => {
    const settings = file(
      'auth-url: http://file.example:5000/v3\ndeploy:\n  flavor: m1.file\n  region-name: FileRegion\n',
    );
    const env = { OS_AUTH_URL: 'http://env.example:5000/v3', OS_REGION_NAME: 'EnvRegion' };
    const { values, sources } = resolveOptions(deployCommand, {
      explicit: { 'auth-url': 'http://input.example:5000/v3', flavor: '' },
      explicitKind: 'input',
      env,
      file: settings,
    });
    expect(values.authUrl).toBe('http://input.example:5000/v3');
    expect(sources.authUrl).toBe('input');
    expect(values.regionName).toBe('EnvRegion');
    expect(sources.regionName).toBe('env');
    expect(values.flavor).toBe('m1.file');
    expect(sources.flavor).toBe('file');
    expect(values.visibility).toBe('private');
    expect(sources.visibility).toBe('default');
  });

  test('the file beats a default, and a flag beats the file', () => {
    const settings = file('deploy:\n  visibility: public\n  wait-timeout: 900\n');
    const fromFile = resolveOptions(deployCommand, { file: settings });
    expect([fromFile.values.visibility, fromFile.sources.visibility]).toEqual(['public', 'file']);
    expect([fromFile.values.waitTimeout, fromFile.sources.waitTimeout]).toEqual([900, 'file']);
    const fromFlag = resolveOptions(deployCommand, {
      explicit: { visibility: 'community' },
      explicitKind: 'flag',
      file: settings,
    });
    expect([fromFlag.values.visibility, fromFlag.sources.visibility]).toEqual(['community', 'flag']);
    expect(fromFlag.values.waitTimeout).toBe(900);
  });

  test('a port out of range names the option and where it came from', () => {
    expect(() =>
      resolveOptions(manageCommand, { explicit: { 'redis-port': '70000' }, explicitKind: 'input' }),
    ).toThrow(`Invalid input 'redis-port' ("70000"): must be a port number from 1 to 65535.`);
  });

  test('a bad enum value lists what is allowed', () => {
    expect(() => resolveOptions(deployCommand, { explicit: { visibility: 'everyone' } })).toThrow(
      /--visibility \("everyone"\): must be one of: private, shared, community, public/,
    );
  });

  test('all problems are reported at once', () => {
    let error: unknown;
    try {
      resolveOptions(manageCommand, { explicit: { port: '0', timeout: 'soon', tasks: 'load-ssl,reboot' } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const lines = (error as Error).message.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.join('\n')).toMatch(/item 2 \("reboot"\) must be one of: load-ssl/);
  });

  test('unknown flags are refused with a suggestion', () => {
    expect(() => resolveOptions(deployCommand, { explicit: { flavour: 'm1.small' } })).toThrow(
      "Unknown option --flavour for deploy; did you mean 'flavor'?",
    );
  });

  test('a wrong secret is not echoed', () => {
    expect(() => resolveOptions(manageCommand, { explicit: { 'ssh-key': 'bad\u0000key' } })).toThrow(
      /^Invalid flag --ssh-key: must not contain a NUL byte\.$/,
    );
  });

  test('secrets become Secret values that print as ***', () => {
    const { values } = resolveOptions(deployCommand, { env: { OS_PASSWORD: 'hunter2-secret' } });
    expect(values.osPassword).toBeInstanceOf(Secret);
    expect(`${values.osPassword}`).toBe('***');
    expect(JSON.stringify(values)).not.toContain('hunter2-secret');
    expect(values.osPassword?.reveal()).toBe('hunter2-secret');
  });
});

describe('settings file', () => {
  test('unknown keys are an error naming the key, with a suggestion', () => {
    expect(() => file('deploy:\n  flavour: x\n')).toThrow(
      "indicovm.yml: unknown option 'deploy.flavour' for deploy; did you mean 'flavor'?",
    );
    expect(() => file('redis-prot: 1\n')).toThrow(
      "indicovm.yml: unknown option 'redis-prot'; did you mean 'redis-port'?",
    );
  });

  test('YAML lists and mappings are taken as they are', () => {
    const { values } = resolveOptions(deployCommand, {
      file: file('deploy:\n  tags: [a, b]\n  properties:\n    os: LINUX\n    hw_disk_bus: virtio\n'),
    });
    expect(values.tags).toEqual(['a', 'b']);
    expect(values.properties).toEqual({ os: 'LINUX', hw_disk_bus: 'virtio' });
  });

  test('a top-level key applies only to the commands that have it', () => {
    const settings = file('flavor: m1.small\nserver-name: web01\n');
    expect(resolveOptions(deployCommand, { file: settings }).values.flavor).toBe('m1.small');
    expect(resolveOptions(manageCommand, { file: settings }).values.serverName).toBe('web01');
  });

  test('it is data, never code', () => {
    expect(() => file('!!js/function "function () { return 1 }"')).toThrow(
      /not valid YAML|must be a mapping/,
    );
  });
});

describe('os-username and ssh-username, and their old name username', () => {
  test('the old names still work where they mean one thing: the OpenStack user in deploy, the SSH user in manage', () => {
    const deploy = resolveOptions(deployCommand, {
      explicit: { username: 'demo', password: 'pw-9f2' },
      explicitKind: 'input',
    }).values;
    expect([deploy.osUsername, deploy.osPassword?.reveal()]).toEqual(['demo', 'pw-9f2']);
    const manage = resolveOptions(manageCommand, { explicit: { username: 'debian' } }).values;
    expect(manage.sshUsername).toBe('debian');
  });

  test('the new name and the old one together are refused, naming both', () => {
    expect(() =>
      resolveOptions(manageCommand, { explicit: { username: 'debian', 'ssh-username': 'almalinux' } }),
    ).toThrow("Set only one of --ssh-username and --username: username is the old name of 'ssh-username'.");
  });

  test('an error names the option as the user wrote it', () => {
    expect(() =>
      resolveOptions(manageCommand, { explicit: { username: 'Bad User' }, explicitKind: 'input' }),
    ).toThrow(/^Invalid input 'username' \("Bad User"\): must be a user name/);
    expect(() => resolveOptions(manageCommand, { file: file('manage:\n  username: Bad User\n') })).toThrow(
      /^Invalid 'username' in indicovm\.yml \("Bad User"\)/,
    );
  });

  test("indicovm.yml's top level refuses username: it would mean two different users", () => {
    expect(() => file('username: debian\n')).toThrow(
      "indicovm.yml: 'username' at the top level is ambiguous: it is 'os-username' for build-image, deploy and 'ssh-username' for manage. Write the option's own name, or put 'username' in a command's section.",
    );
  });

  test('in a section the old name is the option of that command; at the top level the new names are plain', () => {
    const settings = file('ssh-username: debian\nos-username: demo\nmanage:\n  password: pw-1\n');
    const manage = resolveOptions(manageCommand, { file: settings }).values;
    expect([manage.sshUsername, manage.sshPassword?.reveal()]).toEqual(['debian', 'pw-1']);
    const deploy = resolveOptions(deployCommand, { file: settings }).values;
    expect([deploy.osUsername, deploy.osPassword]).toEqual(['demo', undefined]);
    expect(() => file('manage:\n  username: a\n  ssh-username: b\n')).toThrow(
      "indicovm.yml: 'manage.username' and 'manage.ssh-username' set the same option 'ssh-username': keep one",
    );
  });
});

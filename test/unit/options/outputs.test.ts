import { describe, expect, test } from '@jest/globals';
import { deployOutputs } from '../../../shared/deploy/outputs.js';
import { buildOutputs } from '../../../shared/image/outputs.js';
import { fleetOutputs, manageOutputs } from '../../../shared/manage/outputs.js';
import { outputDescriptions, outputValues } from '../../../shared/options/outputs.js';

describe('output catalogs', () => {
  test("a deploy result's outputs: host keys one per line, what the run did not make left unset", () => {
    expect(
      outputValues(deployOutputs, {
        imageId: 'img',
        serverId: 'srv',
        serverName: 'indico',
        address: '192.0.2.7',
        addresses: { net: [] },
        hostKeys: ['ssh-ed25519 AAAA', 'ecdsa-sha2-nistp256 BBBB'],
      }),
    ).toEqual({
      'image-id': 'img',
      'server-id': 'srv',
      'server-name': 'indico',
      address: '192.0.2.7',
      addresses: { net: [] },
      'host-keys': 'ssh-ed25519 AAAA\necdsa-sha2-nistp256 BBBB',
      'user-data-path': undefined,
      'boot-volume-id': undefined,
    });
  });

  test('the build sets serial-log before anything is built, the image outputs from the first image', () => {
    expect(
      Object.entries(outputValues(buildOutputs, { serialLog: '/o/s.log' })).filter(([, v]) => v),
    ).toEqual([['serial-log', '/o/s.log']]);
    const image = { format: 'qcow2', path: '/o/i.qcow2', size: 5, sha256: 'ab' };
    const values = outputValues(buildOutputs, {
      serialLog: '/o/s.log',
      result: { images: [image], manifestPath: '/o/m.json' } as never,
      artifact: { name: 'i-image', id: 9 },
    });
    expect(values).toMatchObject({
      'image-path': '/o/i.qcow2',
      'image-format': 'qcow2',
      'image-size': 5,
      sha256: 'ab',
      images: [image],
      manifest: '/o/m.json',
      'artifact-name': 'i-image',
      'artifact-id': 9,
    });
  });

  test('failed-hosts lists the hosts that neither succeeded nor were skipped', () => {
    const host = (name: string, outcome: string) =>
      ({ host: name, outcome, tasks: [], changed: {} }) as never;
    const values = outputValues(fleetOutputs, {
      results: [host('a', 'ok'), host('b', 'unreachable'), host('c', 'skipped'), host('d', 'failed')],
    });
    expect(values['failed-hosts']).toBe('b\nd');
  });

  test('names are unique across the catalogs one action joins', () => {
    const names = [...Object.keys(manageOutputs), ...Object.keys(fleetOutputs)];
    expect(new Set(names).size).toBe(names.length);
    expect(Object.keys(outputDescriptions(manageOutputs, fleetOutputs))).toEqual(names);
  });
});

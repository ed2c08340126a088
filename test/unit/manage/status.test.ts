import { describe, expect, test } from '@jest/globals';
import { parseEnvFile, hostFactsFrom, unitsOf } from '../../../shared/manage/remote/host-facts.js';
import { componentState, parseUnitStates } from '../../../shared/manage/status.js';

describe('status parsing', () => {
  test('per unit and per component, a component as healthy as its worst unit', () => {
    const states = parseUnitStates(
      'redis-server.service active enabled\nindico-celery.service active enabled\nindico-celery-beat.service failed enabled\nnginx inactive disabled\n',
    );
    expect(states.get('nginx')).toEqual({ active: 'inactive', enabled: 'disabled' });
    const celery = componentState(['indico-celery.service', 'indico-celery-beat.service'], states);
    expect(celery.active).toBe('failed');
    expect(celery.enabled).toBe('enabled');
    expect(componentState(['missing.service'], states).active).toBe('unknown');
  });

  test('an empty is-enabled answer (no such unit) reads as unknown', () => {
    expect(parseUnitStates('x.service inactive \n').get('x.service')).toEqual({
      active: 'inactive',
      enabled: 'unknown',
    });
  });

  test('components map to the unit names the recipe wrote into host.env', () => {
    const facts = hostFactsFrom(
      parseEnvFile(
        'REDIS_SERVICE=redis\nWEB_SERVICE=httpd\nPG_SERVICE=postgresql\nREDIS_DROP_IN=/etc/redis/indico.conf\n',
      ),
    );
    expect(unitsOf('redis', facts)).toEqual(['redis']);
    expect(unitsOf('web', facts)).toEqual(['httpd']);
    expect(facts.vhostPath).toBe('/etc/httpd/conf.d/indico.conf');
    expect(unitsOf('celery', facts)).toEqual(['indico-celery.service', 'indico-celery-beat.service']);
  });
});

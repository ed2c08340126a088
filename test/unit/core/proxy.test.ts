import { describe, expect, test } from '@jest/globals';
import { proxyFor, proxyLabel } from '../../../shared/proxy.js';
import { redact } from '../../../shared/secret.js';

const via = (url: string, env: Record<string, string>) => proxyFor(new URL(url), env)?.href;

describe('proxyFor', () => {
  test('https and http URLs take their own variable, the lower-case name first', () => {
    const env = { https_proxy: 'http://low:3128', HTTPS_PROXY: 'http://up:3128', HTTP_PROXY: 'plain:8080' };
    expect(via('https://cloud.example.org:5000/v3', env)).toBe('http://low:3128/');
    expect(via('http://cloud.example.org/', env)).toBe('http://plain:8080/');
    expect(via('http://cloud.example.org/', {})).toBeUndefined();
  });

  test.each([
    ['*', 'https://a.example.org/', true],
    ['example.org', 'https://a.example.org/', true],
    ['.example.org', 'https://example.org/', true],
    ['*.example.org', 'https://deep.a.example.org/', true],
    ['example.org', 'https://badexample.org/', false],
    ['a.example.org:5000', 'https://a.example.org:5000/', true],
    ['a.example.org:5000', 'https://a.example.org/', false],
    ['10.0.0.0/8', 'https://10.1.2.3:8774/', true],
    ['10.0.0.0/8', 'https://11.1.2.3/', false],
    ['::1', 'http://[::1]:9292/', true],
    ['[::1]:9292', 'http://[::1]:9292/', true],
    ['localhost, 127.0.0.1', 'http://127.0.0.1:5000/', true],
    ['', 'http://127.0.0.1:5000/', false],
  ])('NO_PROXY=%j for %s goes direct: %s', (noProxy, url, direct) => {
    const env = { HTTPS_PROXY: 'http://proxy:3128', HTTP_PROXY: 'http://proxy:3128', NO_PROXY: noProxy };
    expect(via(url, env) === undefined).toBe(direct);
  });

  test('proxy credentials are masked and left out of the label; other schemes are refused by name', () => {
    const proxy = proxyFor(new URL('https://x.example.org/'), {
      HTTPS_PROXY: 'http://me:pr%40xy-secret@proxy:3128',
    })!;
    expect(proxyLabel(proxy)).toBe('http://proxy:3128');
    expect(redact('auth pr@xy-secret')).toBe('auth ***');
    expect(() => proxyFor(new URL('https://x.example.org/'), { https_proxy: 'socks5://proxy:1080' })).toThrow(
      'https_proxy uses socks5, but only http:// and https:// proxies are supported.',
    );
  });
});

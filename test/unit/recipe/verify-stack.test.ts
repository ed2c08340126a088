import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  httpsProblem,
  parseStackFacts,
  secretProblems,
  stackCheckScript,
  upstreamErrorCount,
  type StackFacts,
} from '../../../shared/image/verify-stack.js';
import { PATHS, recipeContext } from '../../../shared/recipe/context.js';
import { quote } from '../../../shared/shell/quote.js';
import { fileAt, optionsFrom, render, run, tempDir, TRICKY } from './helpers.js';

/**
 * The verify boot's check inside a new instance, run here with python3 and stub redis-cli / psql
 * that answer only to the password they are given in their environment.
 */
const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
const NEW = { REDIS_PASSWORD: 'a'.repeat(64), SECRET_KEY: 'b'.repeat(64), DB_PASSWORD: 'c'.repeat(64) };
const OLD = { REDIS_PASSWORD: 'd'.repeat(64), SECRET_KEY: 'e'.repeat(64), DB_PASSWORD: 'f'.repeat(64) };

interface Instance {
  readonly flags?: Record<string, string>;
  /** secrets.env as the first boot left it. */
  readonly secrets: Record<string, string>;
  /** What indico.conf carries (the template with these in place of the placeholders). */
  readonly live: Record<string, string>;
  readonly replaced?: Record<string, string>;
  /** The passwords the stub services take. */
  readonly redisTakes: string;
  readonly postgresTakes: string;
}

function check(instance: Instance): { facts: StackFacts; stdout: string; stderr: string } {
  const root = tempDir('verify-stack');
  const installDir = join(root, 'opt/indico');
  const flags = { ...instance.flags, 'install-dir': installDir };
  const recipe = render(flags);
  mkdirSync(join(installDir, 'etc'), { recursive: true });
  mkdirSync(join(installDir, 'log/nginx'), { recursive: true });
  writeFileSync(
    join(installDir, 'etc/indico.conf'),
    fileAt(recipe, '/etc/indicovm/templates/indico.conf')
      .replaceAll('@INDICOVM_REDIS_PASSWORD@', instance.live.REDIS_PASSWORD ?? '')
      .replaceAll('@INDICOVM_SECRET_KEY@', instance.live.SECRET_KEY ?? '')
      .replaceAll('@INDICOVM_DB_PASSWORD@', instance.live.DB_PASSWORD ?? ''),
  );
  writeFileSync(
    join(installDir, 'log/nginx/error.log'),
    `connect() to unix:${installDir}/web/uwsgi.sock failed (2: No such file or directory) while connecting to upstream\n`,
  );
  const secrets = join(root, 'secrets.env');
  writeFileSync(
    secrets,
    Object.entries(instance.secrets)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );
  const replaced = join(root, 'replaced.sha256');
  writeFileSync(
    replaced,
    Object.entries(instance.replaced ?? {})
      .map(([k, v]) => `${k} ${sha256(v)}\n`)
      .join(''),
  );
  const bin = join(root, 'bin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'redis-cli'),
    `#!/bin/sh\n[ "$*" = '-h 127.0.0.1 -p 6379 ping' ] && [ "$REDISCLI_AUTH" = ${quote(instance.redisTakes)} ] && echo PONG || echo 'NOAUTH'\n`,
    { mode: 0o755 },
  );
  writeFileSync(
    join(bin, 'psql'),
    `#!/bin/sh\n[ "$*" = '-h 127.0.0.1 -p 5432 -U indico -d indico -w -Atc SELECT 42' ] && [ "$PGPASSWORD" = ${quote(instance.postgresTakes)} ] && echo 42\n`,
    { mode: 0o755 },
  );
  const script = stackCheckScript(recipeContext(optionsFrom(flags)))
    .replace(quote(PATHS.secretsEnv), quote(secrets))
    .replace(quote(PATHS.replacedSecrets), quote(replaced));
  expect(script).toContain(quote(replaced));
  const result = run('/bin/sh', ['-c', script], { env: { PATH: `${bin}:/usr/bin:/bin` } });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return { facts: parseStackFacts(result.stdout), stdout: result.stdout, stderr: result.stderr };
}

describe('the stack check of a new instance', () => {
  test('fresh secrets that indico.conf carries and the services accept: no problem', () => {
    const { facts, stdout } = check({
      secrets: NEW,
      live: NEW,
      replaced: OLD,
      redisTakes: NEW.REDIS_PASSWORD,
      postgresTakes: NEW.DB_PASSWORD,
    });
    expect(facts.secrets).toEqual({
      REDIS_PASSWORD: 'regenerated',
      SECRET_KEY: 'regenerated',
      DB_PASSWORD: 'regenerated',
    });
    expect(facts.replacedSecretsSha256).toEqual({
      REDIS_PASSWORD: sha256(OLD.REDIS_PASSWORD),
      SECRET_KEY: sha256(OLD.SECRET_KEY),
      DB_PASSWORD: sha256(OLD.DB_PASSWORD),
    });
    expect(facts.redisAcceptsNewPassword).toBe(true);
    expect(facts.postgresAcceptsNewPassword).toBe(true);
    expect(facts.uwsgiSocket).toBe('absent');
    expect(facts.upstreamErrors).toBe(1);
    expect(secretProblems(facts)).toEqual([]);
    for (const value of [...Object.values(NEW), ...Object.values(OLD)]) expect(stdout).not.toContain(value);
  });

  test("the image's secrets, a stale indico.conf and refused passwords are each named", () => {
    const { facts } = check({
      secrets: NEW,
      live: { ...NEW, DB_PASSWORD: OLD.DB_PASSWORD },
      replaced: { REDIS_PASSWORD: NEW.REDIS_PASSWORD, SECRET_KEY: OLD.SECRET_KEY },
      redisTakes: OLD.REDIS_PASSWORD,
      postgresTakes: NEW.DB_PASSWORD,
    });
    expect(facts.secrets).toEqual({
      REDIS_PASSWORD: 'unchanged',
      SECRET_KEY: 'regenerated',
      DB_PASSWORD: 'stale',
    });
    expect(secretProblems(facts)).toEqual([
      "the Redis password is the image's (the first boot did not replace it)",
      "the PostgreSQL password in indico.conf is not the instance's",
      'Redis refuses the password in indico.conf',
      'PostgreSQL refuses the role and password in indico.conf over 127.0.0.1',
    ]);
  });

  test('no record of the replaced secrets is a problem; given secrets are not', () => {
    const unrecorded = check({
      secrets: NEW,
      live: NEW,
      redisTakes: NEW.REDIS_PASSWORD,
      postgresTakes: NEW.DB_PASSWORD,
    });
    expect(secretProblems(unrecorded.facts)).toHaveLength(3);
    expect(secretProblems(unrecorded.facts)[0]).toMatch(/no record of the image's value/);

    const given = check({
      flags: { 'redis-password': TRICKY, 'db-password': TRICKY },
      secrets: { SECRET_KEY: NEW.SECRET_KEY },
      live: { SECRET_KEY: NEW.SECRET_KEY },
      replaced: { SECRET_KEY: OLD.SECRET_KEY },
      redisTakes: TRICKY,
      postgresTakes: 'unused',
    });
    expect(given.facts.secrets).toEqual({
      REDIS_PASSWORD: 'given',
      SECRET_KEY: 'regenerated',
      DB_PASSWORD: 'given',
    });
    expect(given.facts.redisAcceptsNewPassword).toBe(true);
    expect(given.facts.postgresAcceptsNewPassword).toBe(false);
  });
});

test('a failing check names the exception only: a traceback could quote indico.conf', () => {
  const root = tempDir('verify-stack-broken');
  mkdirSync(join(root, 'opt/indico/etc'), { recursive: true });
  const secret = 'd'.repeat(64);
  writeFileSync(join(root, 'opt/indico/etc/indico.conf'), `SECRET_KEY = '${secret}' +\n`);
  const script = stackCheckScript(recipeContext(optionsFrom({ 'install-dir': join(root, 'opt/indico') })));
  const result = run('/bin/sh', ['-c', script]);
  expect(result.status).toBe(1);
  expect(result.stdout).toBe('error=SyntaxError\n');
  expect(result.stderr).toBe('');
});

test('the error lines before the probe are counted by the same rule', () => {
  const root = tempDir('verify-stack-count');
  const ctx = recipeContext(optionsFrom({ 'install-dir': join(root, 'opt/indico') }));
  const [program, ...args] = upstreamErrorCount(ctx);
  expect(run(program!, args).stdout.trim()).toBe('0');
  mkdirSync(join(root, 'opt/indico/log/nginx'), { recursive: true });
  writeFileSync(
    join(root, 'opt/indico/log/nginx/error.log'),
    `connect() to unix:${root}/opt/indico/web/uwsgi.sock failed (2: No such file or directory)\nother\n` +
      `connect() to unix:${root}/opt/indico/web/uwsgi.sock failed (2: No such file or directory)\n`,
  );
  expect(run(program!, args).stdout.trim()).toBe('2');
});

describe('the HTTPS answer of a new instance', () => {
  const absent = { uwsgiSocket: 'absent', upstreamErrors: 1 } as const;
  const indico = recipeContext(optionsFrom({ 'server-hostname': 'indico.example.org' }));
  const systemOnly = recipeContext(optionsFrom({ 'install-indico': 'false' }));

  test("with Indico: 200 or Indico's 302/303; the vhost's 301 and upstream errors are named", () => {
    expect(httpsProblem(indico, { status: 200, location: undefined }, absent)).toBeUndefined();
    expect(
      httpsProblem(indico, { status: 302, location: 'https://indico.example.org/bootstrap' }, absent),
    ).toBeUndefined();
    expect(httpsProblem(indico, { status: 301, location: 'https://indico.example.org/' }, absent)).toMatch(
      /301 to https:\/\/indico\.example\.org\/: the nginx vhost redirected/,
    );
    expect(httpsProblem(indico, { status: 502, location: undefined }, absent)).toMatch(
      /502: Indico is not behind nginx/,
    );
    expect(httpsProblem(indico, { status: 404, location: undefined }, absent)).toMatch(/404/);
  });

  test("without Indico: exactly nginx's 502 for the absent uWSGI socket", () => {
    expect(httpsProblem(systemOnly, { status: 502, location: undefined }, absent)).toBeUndefined();
    expect(httpsProblem(systemOnly, { status: 200, location: undefined }, absent)).toMatch(
      /answers 502 for the absent uWSGI socket/,
    );
    expect(
      httpsProblem(systemOnly, { status: 502, location: undefined }, { ...absent, uwsgiSocket: 'present' }),
    ).toMatch(/socket exists/);
    expect(
      httpsProblem(systemOnly, { status: 502, location: undefined }, { ...absent, upstreamErrors: 0 }),
    ).toMatch(/error log does not name the uWSGI socket/);
    expect(httpsProblem(systemOnly, { status: 301, location: 'https://localhost/' }, absent)).toMatch(
      /redirected/,
    );
    const apache = recipeContext(optionsFrom({ 'install-indico': 'false', 'web-server': 'apache' }));
    expect(httpsProblem(apache, { status: 503, location: undefined }, absent)).toBeUndefined();
    expect(httpsProblem(apache, { status: 502, location: undefined }, absent)).toMatch(/apache answers 503/);
  });
});

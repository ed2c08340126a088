import { describe, expect, test } from '@jest/globals';
import { firstbootScriptOf, render, run, tempDir, TRICKY, writeTemp } from './helpers.js';

const VARIANTS: Record<string, Record<string, string>> = {
  default: {},
  apache: { 'web-server': 'apache' },
  'custom ports': { 'http-port': '8080', 'https-port': '8443', 'server-hostname': 'indico.example.org' },
  'install-indico false': { 'install-indico': 'false' },
  'tricky passwords': {
    'db-password': TRICKY,
    'redis-password': TRICKY,
    'secret-key': TRICKY,
    'smtp-password': TRICKY,
    'smtp-login': `login'"\\`,
  },
  'a secret that looks like a here-document end': {
    'db-password': 'x\nINDICOVM_EOF\ny',
    'secret-key': 'INDICOVM_EOF',
  },
  'pip mirror': {
    'pip-index-url': 'https://mirror.example.org/simple/?a=1&b=2',
    'pip-extra-index-url': 'https://extra.example.org/simple',
    'pip-find-links': '/srv/wheels',
    'indico-version': '3.3.8',
  },
  'wheelhouse URL': { 'python-wheelhouse': "https://wheels.example.org/w.tgz?a=1&b='2'" },
  'wheelhouse sent over SSH': { 'python-wheelhouse': '/srv/wheels' },
};

describe.each(Object.entries(VARIANTS))('the provisioning script (%s)', (_name, flags) => {
  const recipe = render(flags);
  const dir = tempDir('syntax');
  const script = writeTemp(dir, 'provision.sh', recipe.script, 0o755);
  const firstboot = writeTemp(dir, 'indicovm-firstboot', firstbootScriptOf(recipe), 0o755);

  test('is a POSIX sh script that stops on errors', () => {
    expect(recipe.script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(recipe.script).toMatch(/^set -eu$/m);
  });

  test.each([
    ['sh', ['-n']],
    ['bash', ['-n']],
    ['shellcheck', ['-s', 'sh', '-S', 'style']],
  ])('passes %s %s (script and first-boot script)', (program, args) => {
    for (const path of [script, firstboot]) {
      const result = run(program, [...args, path]);
      expect(`${result.stdout}${result.stderr}`).toBe('');
      expect(result.status).toBe(0);
    }
  });

  test('embeds every listed file byte for byte', () => {
    for (const file of recipe.files) {
      const at = recipe.script.indexOf(`'\n${file.content}INDICOVM_EOF`);
      expect(at).toBeGreaterThan(0);
      const delimiter = /^INDICOVM_EOF\w*/.exec(recipe.script.slice(at + 2 + file.content.length))?.[0];
      expect(recipe.script.slice(0, at + 1)).toMatch(new RegExp(`<<'${delimiter}'$`));
    }
  });
});

describe('steps', () => {
  test('are numbered 1..N with one heading each', () => {
    const { script } = render();
    const total = Number(/^TOTAL_STEPS=(\d+)$/m.exec(script)?.[1]);
    const headings = script.match(/^step (?:'[^']+'|"[^"]+")$/gm) ?? [];
    expect(headings.length).toBe(total);
    expect(headings).toContain("step 'PostgreSQL'");
    expect(headings).toContain("step 'Per-instance secrets'");
  });

  test('install-indico: false leaves out Python, pip and db prepare and says so', () => {
    const skipped = render({ 'install-indico': 'false' }).script;
    expect(skipped).not.toMatch(/pip" install/);
    expect(skipped).not.toMatch(/bin\/indico" db prepare/);
    expect(skipped).not.toMatch(/python3 -m venv|uv" python install/);
    expect(skipped.match(/^loud 'SKIPPED: /gm)?.length).toBe(2);
    // Everything else is still there.
    for (const heading of [
      'PostgreSQL',
      'Redis',
      'TLS certificate',
      'Web server (nginx)',
      'Firewall',
      'SELinux',
    ]) {
      expect(skipped).toContain(`step '${heading}'`);
    }
    expect(skipped).toContain('systemctl enable --quiet "$FIRSTBOOT_UNIT" "$UWSGI_UNIT"');

    const full = render().script;
    expect(full).toMatch(/as_indico "\$VENV\/bin\/pip" install -q "\$INDICO_REQUIREMENT"/);
    expect(full).toMatch(/bin\/indico" db prepare/);
  });

  test('pip options reach every pip call through the environment, quoted', () => {
    const { script } = render({
      'pip-index-url': 'https://mirror.example.org/simple/?a=1&b=2',
      'pip-find-links': '/srv/wheels',
      'indico-version': '3.3.8',
    });
    const asIndico = /^as_indico\(\) \{\n {2}(.*)\n\}$/m.exec(script)?.[1] ?? '';
    expect(asIndico).toContain("PIP_INDEX_URL='https://mirror.example.org/simple/?a=1&b=2'");
    expect(asIndico).toContain('PIP_FIND_LINKS=/srv/wheels');
    expect(asIndico).not.toContain('PIP_NO_INDEX');
    expect(script).toContain('INDICO_REQUIREMENT=indico==3.3.8');
  });

  test('a wheel folder without an index makes pip ask no index (air-gapped)', () => {
    const asIndico = (extra: Record<string, string>) =>
      /^as_indico\(\) \{\n {2}(.*)\n\}$/m.exec(
        render({ 'pip-find-links': '/srv/wheels', ...extra }).script,
      )?.[1] ?? '';
    expect(asIndico({})).toContain('PIP_NO_INDEX=1');
    expect(asIndico({ 'pip-extra-index-url': 'https://mirror.example.org/extra/' })).not.toContain(
      'PIP_NO_INDEX',
    );
  });
});

// A Keystone that echoes the request into its error text, as some proxies and misconfigured services do.
// The real Keystone never echoes a password, so this fake speaks its wire protocol on loopback instead.
// The secret comes from clouds.yaml, which is read after the inputs were masked: it must still be masked
// the moment it is read, and the echoed text (JSON-escaped, or broken across lines) must not show it,
// in the bundled action and in the bundled CLI with and without --verbose. Run `npm run bundle` first.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distinctiveSecret, scanRun } from '../../security/leak-scan.js';
import { REPO, startBundledAction, type ActionRun } from '../../support/run-action.js';

type Echo = 'json' | 'split-lines';

let server: Server;
let authUrl: string;
let echo: Echo = 'json';
let echoed = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      echoed += 1;
      if (echo === 'json') {
        response.writeHead(401, { 'Content-Type': 'application/json' });
        response.end(
          JSON.stringify({
            error: { code: 401, title: 'Unauthorized', message: `Could not authenticate request: ${body}` },
          }),
        );
      } else {
        // A plain-text page wrapped at 16 columns: the secret reaches the client cut into pieces.
        response.writeHead(500, { 'Content-Type': 'text/plain' });
        response.end(`Internal error for ${request.url}:\n${body.replace(/(.{16})/g, '$1\n')}\n`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  authUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A workspace whose clouds.yaml names the hostile Keystone and holds the password. */
function workspaceWith(password: string): string {
  const workspace = mkdtempSync(join(tmpdir(), 'indicovm-hostile-ks-'));
  const entry = {
    clouds: {
      hostile: {
        auth: {
          auth_url: authUrl,
          username: 'operator',
          password,
          project_name: 'indico',
          user_domain_name: 'Default',
          project_domain_name: 'Default',
        },
        region_name: 'RegionOne',
      },
    },
  };
  writeFileSync(join(workspace, 'clouds.yaml'), JSON.stringify(entry), { mode: 0o600 });
  return workspace;
}

const DEPLOY_INPUTS = {
  cloud: 'hostile',
  flavor: 'm1.tiny',
  'source-image': 'cirros',
  'server-name': 'hostile-keystone',
};

/** The bundled CLI as a user starts it, in the workspace, with HOME there so no real clouds.yaml is read. */
function runCli(workspace: string, args: readonly string[]): Promise<ActionRun> {
  const child = spawn(process.execPath, [join(REPO, 'cli/dist/index.js'), ...args], {
    cwd: workspace,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: workspace },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr, outputs: {}, summary: '', workspace }));
  });
}

describe.each<Echo>(['json', 'split-lines'])('a Keystone that echoes the request (%s)', (mode) => {
  beforeAll(() => {
    echo = mode;
  });

  it('the action masks the clouds.yaml password and keeps it out of the error', async () => {
    const password = distinctiveSecret('clouds-yaml');
    const workspace = workspaceWith(password);
    const before = echoed;
    const run = await startBundledAction('action-deploy/dist/index.js', DEPLOY_INPUTS, {
      workspace,
      env: { HOME: workspace },
    }).done;
    expect(echoed).toBeGreaterThan(before);
    expect(run.status).not.toBe(0);
    expect(run.stdout).toMatch(/^::error::.*(401|500)/m);
    // Registered with the runner in each form a log may carry it, JSON-escaped included.
    const masks = run.stdout.split('\n').filter((line) => line.startsWith('::add-mask::'));
    expect(masks).toEqual(
      expect.arrayContaining([
        `::add-mask::${password}`,
        `::add-mask::${JSON.stringify(password).slice(1, -1)}`,
      ]),
    );
    expect(scanRun(run, [password], { skipFiles: [join(workspace, 'clouds.yaml')] }).leaks).toEqual([]);
    rmSync(workspace, { recursive: true });
  });

  it.each([[[]], [['--verbose']]])('the CLI %j redacts the echoed password', async (extra) => {
    const password = distinctiveSecret('cli');
    const workspace = workspaceWith(password);
    const args = Object.entries(DEPLOY_INPUTS).flatMap(([name, value]) => [`--${name}`, value]);
    const run = await runCli(workspace, ['deploy', ...args, ...extra]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/error: .*(401|500)/);
    expect(run.stderr).toContain('***');
    expect(scanRun(run, [password], { skipFiles: [join(workspace, 'clouds.yaml')] }).leaks).toEqual([]);
    rmSync(workspace, { recursive: true });
  });
});

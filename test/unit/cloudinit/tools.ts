import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The real readers these tests check our bytes with. A missing one fails the test with the apt package to
 * install, rather than skipping it quietly.
 */
const TOOLS = {
  isoinfo: { path: '/usr/bin/isoinfo', apt: 'genisoimage' },
  genisoimage: { path: '/usr/bin/genisoimage', apt: 'genisoimage' },
  blkid: { path: '/usr/sbin/blkid', apt: 'util-linux' },
  bsdtar: { path: '/usr/bin/bsdtar', apt: 'libarchive-tools' },
  'ssh-keygen': { path: '/usr/bin/ssh-keygen', apt: 'openssh-client' },
  openssl: { path: '/usr/bin/openssl', apt: 'openssl' },
  perl: { path: '/usr/bin/perl', apt: 'perl-base' },
  // Debian's python3 with cloud-init's modules and PyYAML, not whatever python3 is first on PATH.
  python3: { path: '/usr/bin/python3', apt: 'python3 python3-yaml' },
  'cloud-init': { path: '/usr/bin/cloud-init', apt: 'cloud-init' },
} as const;

export type Tool = keyof typeof TOOLS;

export function tool(name: Tool): string {
  const { path, apt } = TOOLS[name];
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(
      `${name} (${path}) is missing: install it with \`apt-get install --no-install-recommends ${apt}\`.`,
    );
  }
  return path;
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a reader and returns whatever happened, for tests that expect a refusal. */
export function runTool(name: Tool, args: readonly string[], input?: string | Buffer): RunResult {
  const result = spawnSync(tool(name), args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a reader that must succeed; its stdout as text. */
export function readTool(name: Tool, args: readonly string[], input?: string | Buffer, cwd?: string): string {
  return execFileSync(tool(name), args, {
    input,
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Runs a reader that must succeed; its stdout as bytes. */
export function readToolBytes(name: Tool, args: readonly string[]): Buffer {
  return execFileSync(tool(name), args, { maxBuffer: 64 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** A private temporary directory for one test file; `remove` deletes it. */
export function scratchDir(prefix: string): {
  dir: string;
  file: (name: string) => string;
  remove: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), `indicovm-${prefix}-`));
  return {
    dir,
    file: (name) => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Parses YAML with PyYAML's safe_load (what cloud-init uses) and returns the result as JSON data. */
export function pyYaml(text: string): unknown {
  const script = 'import json,sys,yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))';
  return JSON.parse(readTool('python3', ['-c', script], text));
}

/** `cloud-init schema --config-file`: the validator cloud-init itself uses on user-data. */
export function cloudInitSchema(document: string | Buffer): RunResult {
  const dir = scratchDir('schema');
  try {
    const path = dir.file('user-data');
    writeFileSync(path, document);
    return runTool('cloud-init', ['schema', '--config-file', path]);
  } finally {
    dir.remove();
  }
}

/**
 * How cloud-init itself reads user-data: UserDataProcessor un-gzips, parses MIME and sorts out the parts.
 * Returns each leaf part's content type, file name and decoded text.
 */
export function cloudInitUserDataParts(
  bytes: Buffer,
): { type: string; filename: string | null; payload: string }[] {
  const script = [
    'import json, sys, tempfile',
    'from cloudinit import helpers, user_data',
    "paths = helpers.Paths({'cloud_dir': tempfile.mkdtemp(), 'run_dir': tempfile.mkdtemp()})",
    'message = user_data.UserDataProcessor(paths).process(sys.stdin.buffer.read())',
    "parts = [p for p in message.walk() if p.get_content_maintype() != 'multipart']",
    "print(json.dumps([{'type': p.get_content_type(), 'filename': p.get_filename(),",
    "                   'payload': p.get_payload(decode=True).decode('utf-8')} for p in parts]))",
  ].join('\n');
  tool('cloud-init');
  return JSON.parse(readTool('python3', ['-c', script], bytes));
}

/** Python's email parser: the headers and decoded payload of every leaf part, plus the top-level headers. */
export function pythonEmailParts(bytes: Buffer): {
  headers: Record<string, string>;
  defects: string[];
  parts: { headers: Record<string, string>; payload: string }[];
} {
  const script = [
    'import email, json, sys',
    'message = email.message_from_bytes(sys.stdin.buffer.read())',
    'def leaf(p): return {"headers": dict(p.items()), "payload": p.get_payload(decode=True).decode("utf-8")}',
    'print(json.dumps({"headers": dict(message.items()),',
    '  "defects": [type(d).__name__ for p in message.walk() for d in p.defects],',
    '  "parts": [leaf(p) for p in message.walk() if not p.is_multipart()]}))',
  ].join('\n');
  return JSON.parse(readTool('python3', ['-c', script], bytes));
}

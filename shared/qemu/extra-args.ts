/**
 * What `qemu-args` may add to the build VM's command line. qemu can run programs (`-incoming exec:`,
 * tap `script=`, `guestfwd=…-cmd:`, `smb=`), load code (`-plugin`, `-readconfig`) and listen on every
 * interface (`hostfwd=tcp::2222-:22`, `-monitor tcp::4444`, `-vnc :0`, `-s`). A workflow input that
 * reaches it must not be able to do either beyond loopback, so those are refused here, naming the
 * argument; everything else (devices, CPU flags, drives) passes untouched.
 */
import { InvalidValue } from '../options/kinds.js';

/** Options refused whatever their value: they execute, load code, detach or take the VM elsewhere. */
const REFUSED = new Map<string, string>([
  ['incoming', 'waits for a migration stream, which may come from a command'],
  ['daemonize', 'detaches qemu from the build, which then cannot stop it'],
  ['readconfig', 'reads options from a file that this check cannot see'],
  ['plugin', 'loads code into qemu'],
  ['runas', 'changes the user qemu runs as'],
  ['run-with', 'changes the user or root qemu runs with'],
  ['chroot', 'changes the root qemu runs in'],
  ['s', 'opens a gdb server on every interface'],
]);

/** Options whose value is a legacy character-device spec (`tcp:host:port,server`, `telnet:…`, `udp:…`). */
const CHARDEV_VALUED = new Set(['monitor', 'qmp', 'qmp-pretty', 'serial', 'parallel', 'gdb', 'debugcon']);

/** Options whose value is `kind,key=value,…` and may open sockets or run helpers. */
const KEY_VALUED = new Set(['chardev', 'netdev', 'nic', 'net', 'spice', 'vnc', 'object']);

/** Keys whose value is an address qemu listens on or binds to (in a user netdev, host= is the guest's view). */
const ADDRESS_KEYS = new Set(['host', 'addr', 'listen', 'localaddr', 'addr.host', 'local.host', 'mcast']);
/** Keys naming a program qemu runs (refused unless "no"). */
const PROGRAM_KEYS = new Set(['script', 'downscript', 'helper']);

export function refuseUnsafeQemuArgs(args: readonly string[]): void {
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (/exec:/i.test(arg)) {
      refuse(arg, 'runs a shell command (exec:)');
    }
    const name = /^--?([A-Za-z][A-Za-z0-9-]*)$/.exec(arg)?.[1];
    if (name === undefined) {
      continue;
    }
    const why = REFUSED.get(name);
    if (why !== undefined) {
      refuse(arg, why);
    }
    const value = args[i + 1];
    if (value === undefined || (!CHARDEV_VALUED.has(name) && !KEY_VALUED.has(name))) {
      continue;
    }
    i += 1;
    const where = `${arg} ${value}`;
    if (/^\s*\{/.test(value)) {
      refuse(where, 'is JSON; give the key=value form so it can be checked');
    }
    if (CHARDEV_VALUED.has(name)) {
      checkChardevSpec(where, value);
    } else if (name === 'vnc') {
      checkVnc(where, value);
    } else {
      checkKeyValues(where, name, value);
    }
  }
}

function refuse(where: string, why: string): never {
  throw new InvalidValue(
    `argument ${JSON.stringify(where)} ${why}; qemu-args may not run programs, load code or listen beyond 127.0.0.1/::1`,
  );
}

const LOOPBACK = /^(?:127(?:\.\d{1,3}){3}|localhost|::1|\[::1\])$/i;

function requireLoopback(where: string, address: string, what: string): void {
  if (!LOOPBACK.test(address)) {
    refuse(where, `${what} ${address === '' ? 'every interface' : JSON.stringify(address)}`);
  }
}

/** host:port, [v6]:port or :port, as chardev and hostfwd specs write it; the host part. */
function hostOf(hostPort: string): string {
  const bracketed = /^\[([^\]]*)\]/.exec(hostPort);
  if (bracketed) {
    return `[${bracketed[1]}]`;
  }
  const colon = hostPort.lastIndexOf(':');
  return colon < 0 ? hostPort : hostPort.slice(0, colon);
}

/** `-monitor tcp:0.0.0.0:4444,server`, `-serial mon:telnet::4444,server`, `-gdb tcp::1234`. */
function checkChardevSpec(where: string, spec: string): void {
  const [target = ''] = splitOptions(spec.replace(/^mon:/, ''));
  const backend = /^(tcp|telnet|websocket|udp):(.*)$/i.exec(target);
  if (!backend) {
    return;
  }
  const [, kind = '', rest = ''] = backend;
  if (kind.toLowerCase() === 'udp') {
    // udp:[remote_host]:remote_port[@[src_ip]:src_port]: qemu binds the source.
    const [remote = '', source] = rest.split('@');
    requireLoopback(where, hostOf(remote), 'sends to');
    if (source !== undefined) {
      requireLoopback(where, hostOf(source), 'binds');
    }
    return;
  }
  requireLoopback(where, hostOf(rest), 'listens on or connects to');
}

/** `-vnc :0` listens on every interface; `-vnc 127.0.0.1:0`, `unix:…` and `none` do not. */
function checkVnc(where: string, value: string): void {
  const [display = '', ...options] = splitOptions(value);
  if (display !== 'none' && !display.startsWith('unix:')) {
    requireLoopback(where, hostOf(display), 'listens on');
  }
  for (const option of options) {
    const [key, setting = ''] = splitKey(option);
    if (key === 'websocket' && setting.includes(':')) {
      requireLoopback(where, hostOf(setting), 'listens on');
    }
  }
}

/** `-netdev user,hostfwd=…`, `-chardev socket,host=…`, `-spice port=…`, `-netdev tap,script=…`. */
function checkKeyValues(where: string, option: string, value: string): void {
  const [kind = '', ...rest] = splitOptions(value);
  const pairs = [kind, ...rest].map(splitKey);
  const settings = new Map(pairs.filter(([, v]) => v !== undefined) as [string, string][]);
  const addressed = kind !== 'user' && settings.get('unix') !== 'on';
  for (const [key, setting] of pairs) {
    if (setting === undefined) {
      continue;
    }
    if (ADDRESS_KEYS.has(key) && addressed) {
      requireLoopback(where, key === 'listen' || key === 'mcast' ? hostOf(setting) : setting, 'listens on');
    } else if (PROGRAM_KEYS.has(key) && setting !== 'no') {
      refuse(where, `runs the program ${JSON.stringify(setting)} (${key}=)`);
    } else if (key === 'hostfwd') {
      // [tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport
      const host = setting.replace(/^(?:tcp|udp):/i, '').split('-')[0] ?? '';
      requireLoopback(where, hostOf(host), 'forwards from');
    } else if (key === 'guestfwd' && /-cmd:/i.test(setting)) {
      refuse(where, 'runs a command for guest connections (guestfwd=…-cmd:)');
    } else if (key === 'smb') {
      refuse(where, 'starts an SMB server (smb=)');
    }
  }
  // A TCP socket chardev or spice port without an address listens on every interface.
  const tcpSocket =
    option === 'chardev' && kind === 'socket' && !settings.has('path') && settings.has('port');
  const spicePort = option === 'spice' && (settings.has('port') || settings.has('tls-port'));
  if ((tcpSocket || spicePort) && !settings.has('host') && !settings.has('addr')) {
    refuse(where, 'listens on every interface (no host= or addr=)');
  }
}

/** Splits qemu's comma-separated options, where ",," is a literal comma. */
function splitOptions(value: string): string[] {
  return value
    .replaceAll(',,', '\0')
    .split(',')
    .map((part) => part.replaceAll('\0', ','));
}

function splitKey(option: string): [string, string | undefined] {
  const eq = option.indexOf('=');
  return eq < 0 ? [option, undefined] : [option.slice(0, eq), option.slice(eq + 1)];
}

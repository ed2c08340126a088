/**
 * qemu-args reaches the build VM's command line. Before it was checked, `-incoming exec:CMD` ran a
 * shell command on the runner and `hostfwd=tcp:0.0.0.0:…` or `-monitor tcp:0.0.0.0:…` opened the VM
 * (and its monitor, which can read guest memory) to the network. Each of these is refused, by
 * argument, in both commands that start a VM; what builds legitimately add still passes.
 */
import { describe, expect, it } from '@jest/globals';
import { buildImageCommand, runImageCommand, type CommandSpec } from '../../../shared/options/commands.js';
import { resolveOptions } from '../../../shared/options/resolve.js';

const HOSTILE: readonly (readonly string[])[] = [
  ['-incoming', 'exec:touch /tmp/pwned'],
  ['-incoming', 'tcp:0.0.0.0:4444'],
  ['-daemonize'],
  ['--daemonize'],
  ['-readconfig', '/tmp/more.cfg'],
  ['-plugin', '/tmp/libevil.so'],
  ['-s'],
  ['-gdb', 'tcp::1234'],
  ['-monitor', 'tcp:0.0.0.0:4444,server,nowait'],
  ['-monitor', 'telnet::4444,server,nowait'],
  ['-qmp', 'tcp:192.0.2.1:4444,server'],
  ['-serial', 'mon:tcp::4555,server,nowait'],
  ['-serial', 'udp:192.0.2.9:5555'],
  ['-chardev', 'socket,id=mon1,host=0.0.0.0,port=4444,server=on,wait=off'],
  ['-chardev', 'socket,id=mon1,port=4444,server=on,wait=off'],
  ['-netdev', 'user,id=n1,hostfwd=tcp:0.0.0.0:2222-:22'],
  ['-netdev', 'user,id=n1,hostfwd=tcp::2222-:22'],
  ['-nic', 'user,hostfwd=::2222-:22'],
  ['-netdev', 'user,id=n1,guestfwd=tcp:10.0.2.100:80-cmd:sh -c id'],
  ['-netdev', 'user,id=n1,smb=/root'],
  ['-netdev', 'tap,id=t1,script=/tmp/up.sh'],
  ['-netdev', 'bridge,id=b1,helper=/tmp/helper'],
  ['-netdev', 'socket,id=s1,listen=:1234'],
  ['-netdev', 'stream,id=s1,server=on,addr.type=inet,addr.host=0.0.0.0,addr.port=1234'],
  ['-netdev', '{"type":"stream","id":"s1","server":true}'],
  ['-vnc', ':0'],
  ['-vnc', '0.0.0.0:1'],
  ['-spice', 'port=5930,disable-ticketing=on'],
  ['-device', 'virtio-rng-pci', '-monitor', 'tcp:0.0.0.0:4444,server,nowait'],
];

const BENIGN: readonly (readonly string[])[] = [
  ['-cpu', 'max'],
  ['-device', 'virtio-rng-pci,addr=0x7'],
  [
    '-netdev',
    'user,id=n1,host=10.0.2.2,hostfwd=tcp:127.0.0.1:2222-:22',
    '-device',
    'virtio-net-pci,netdev=n1',
  ],
  ['-monitor', 'unix:/tmp/indicovm-mon,server,nowait'],
  ['-qmp', 'tcp:127.0.0.1:4444,server,nowait'],
  ['-serial', 'mon:stdio'],
  ['-chardev', 'socket,id=c1,host=::1,port=5000,server=on,wait=off'],
  ['-netdev', 'tap,id=t1,ifname=tap0,script=no,downscript=no'],
  ['-vnc', '127.0.0.1:1'],
  ['-vnc', 'none'],
  ['-spice', 'port=5930,addr=127.0.0.1,disable-ticketing=on'],
  ['-nographic'],
];

function resolveQemuArgs(command: CommandSpec, args: readonly string[]): string[] {
  const { values } = resolveOptions(command, {
    explicit: { 'qemu-args': args.join('\n') },
    explicitKind: 'flag',
    env: {},
  });
  return (values as { qemuArgs: string[] }).qemuArgs;
}

describe.each([buildImageCommand, runImageCommand])('qemu-args of $name', (command) => {
  it.each(HOSTILE)('refuses %j, naming the argument', (...args) => {
    const attempt = () => resolveQemuArgs(command, args);
    expect(attempt).toThrow(/qemu-args/);
    expect(attempt).toThrow('may not run programs, load code or listen beyond 127.0.0.1/::1');
    // The refused option is named with its value: in each case here, the last option given.
    const refused = args.filter((arg) => arg.startsWith('-')).at(-1) ?? '';
    expect(attempt).toThrow(`argument "${refused}`);
  });

  it.each(BENIGN)('accepts %j', (...args) => {
    expect(resolveQemuArgs(command, args)).toEqual(args);
  });
});

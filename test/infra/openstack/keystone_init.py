#!/usr/bin/python3
"""Initialise Keystone for the loopback test cloud, in one process.

    keystone_init.py --config-file KEYSTONE_CONF --password PW --url IDENTITY_URL

Runs what `keystone-manage fernet_setup; credential_setup; db_sync; bootstrap` would, through
keystone-manage's own entry point but without paying about 3 s of imports per command. Key
repositories that already hold keys are left alone; db_sync and bootstrap are safe to repeat.
Run it with /usr/bin/python3: Debian's dist-packages are not on other interpreters' paths.
"""

import argparse
import configparser
import getpass
import grp
import os
import sys

import keystone.conf
from keystone.cmd import cli


def _has_keys(config_file, section):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(config_file)
    repository = parser.get(section, 'key_repository')
    return os.path.isdir(repository) and bool(os.listdir(repository))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--config-file', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--url', required=True, help='identity endpoint for the catalog')
    args = parser.parse_args(argv)

    owner = ['--keystone-user', getpass.getuser(), '--keystone-group', grp.getgrgid(os.getgid()).gr_name]
    commands = []
    if not _has_keys(args.config_file, 'fernet_tokens'):
        commands.append(['fernet_setup', *owner])
    if not _has_keys(args.config_file, 'credential'):
        commands.append(['credential_setup', *owner])
    commands.append(['db_sync'])
    commands.append([
        'bootstrap', '--bootstrap-password', args.password, '--bootstrap-username', 'admin',
        '--bootstrap-project-name', 'admin', '--bootstrap-role-name', 'admin',
        '--bootstrap-service-name', 'keystone', '--bootstrap-region-id', 'RegionOne',
        '--bootstrap-admin-url', args.url, '--bootstrap-internal-url', args.url,
        '--bootstrap-public-url', args.url,
    ])
    for command in commands:
        code = cli.main(argv=['keystone-manage', '--config-file', args.config_file, *command])
        if code not in (None, 0):
            print(f'keystone_init: {command[0]} failed with code {code}', file=sys.stderr)
            return 1
        # Forget the parsed command line, so the next cli.main() may register and parse its own.
        keystone.conf.CONF.clear()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

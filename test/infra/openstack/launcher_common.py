"""What the loopback cloud's service launchers share: their command line, and the file that says
their services are up.

start.sh runs each launcher by path, which puts this folder first on sys.path. Standard library
only: the launchers import it after eventlet's monkey patching, which must come first.
"""

import argparse
import os


def argument_parser(doc, commands, ready_help):
    """`COMMAND --config-file F [--ready-file F]`, described by the first paragraph of doc."""
    parser = argparse.ArgumentParser(description=doc.split('\n\n')[0])
    parser.add_argument('command', choices=commands)
    parser.add_argument('--config-file', required=True)
    parser.add_argument('--ready-file', help=ready_help)
    return parser


def write_ready_file(path):
    """cloud_setup.py's readiness checks wait for the file; the pid in it is for whoever reads it."""
    with open(path, 'w') as handle:
        handle.write(f'{os.getpid()}\n')

#!/usr/bin/python3
"""Neutron for the loopback test cloud: the API server (ML2 + router plugin), no agents.

    neutron_launcher.py init  --config-file NEUTRON_CONF  # schema from the models, stamped at heads
    neutron_launcher.py serve --config-file NEUTRON_CONF [--ready-file F] [--agent-host fake-host]

`init`: ``neutron-db-manage upgrade heads`` cannot run on SQLite (a Mitaka migration adds a unique
constraint with ALTER: "No support for ALTER of constraints in SQLite dialect"). Neutron's own unit
tests create the schema from the models instead; this does the same and then runs the real
``neutron-db-manage stamp heads``, so a later ``upgrade`` starts from the right revisions.

`serve`: Neutron's API in one eventlet process (``api_workers = 0``), without the RPC workers
``neutron-server`` would fork: no agent ever talks to it. ML2's ``openvswitch`` mechanism driver
binds a port only to a host where an Open vSwitch agent is alive, so this process reports one for
the fake compute host through the plugin's own agent-state code path (what the agent's
``report_state`` RPC calls), every 30 s. Nothing plugs a device, so ports stay ``DOWN``;
Nova's fake virt driver does not wait for ``network-vif-plugged``.

Run it with /usr/bin/python3: Debian's dist-packages are not on other interpreters' paths.
"""

import eventlet

eventlet.monkey_patch()  # as neutron.cmd.eventlet does, before anything else is imported

import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from neutron_lib.callbacks import events, registry, resources  # noqa: E402
from neutron_lib import constants as n_const  # noqa: E402
from neutron_lib import context as n_context  # noqa: E402
from neutron_lib.plugins import directory  # noqa: E402
from oslo_config import cfg  # noqa: E402
from oslo_log import log as logging  # noqa: E402

from neutron.common import config as common_config  # noqa: E402

from launcher_common import argument_parser, write_ready_file  # noqa: E402

LOG = logging.getLogger('neutron_launcher')
HEARTBEAT_SECONDS = 30


def init_database(config_file):
    from neutron.db.migration import cli
    from neutron.db.migration.models import head  # noqa: F401 (registers every model)
    from neutron_lib.db import model_base
    from oslo_db.sqlalchemy import engines

    sys.argv = ['neutron-db-manage', '--config-file', config_file, 'stamp', 'heads']
    common_config.register_common_config_options()
    cli.CONF(sys.argv[1:], project='neutron')  # the CLI's own ConfigOpts, as cli.main() parses it
    engine = engines.create_engine(cli.CONF.database.connection)
    model_base.BASEV2.metadata.create_all(engine)
    engine.dispose()
    # The real CLI, so the alembic_version table names exactly the heads of this package.
    return 1 if cli.main() else 0


def _parse_serve_config(config_file):
    common_config.register_common_config_options()
    # oslo.messaging warns "Using RPCClient manually" for each agent notifier the plugins build.
    logging.set_defaults(default_log_levels=logging.get_default_log_levels() + [
        'oslo_messaging.rpc.client=ERROR'])
    common_config.init(['--config-file', config_file])
    common_config.setup_logging()
    common_config.set_config_defaults()


def _agent_state(host):
    """What neutron-openvswitch-agent reports, for a bridge-less host nothing is ever plugged into."""
    return {
        'binary': 'neutron-openvswitch-agent',
        'host': host,
        'topic': 'N/A',
        'agent_type': n_const.AGENT_TYPE_OVS,
        'availability_zone': 'nova',
        'start_flag': True,
        'configurations': {
            'bridge_mappings': {'public': 'br-ex'},
            'tunnel_types': [],
            'integration_bridge': 'br-int',
            'datapath_type': 'system',
            'ovs_hybrid_plug': False,
            'ovs_capabilities': {},
            'devices': 0,
            'loopback_test_cloud': 'no bridges: a stand-in agent reported by neutron_launcher.py',
        },
    }


def _heartbeat(host):
    plugin = directory.get_plugin()
    state = _agent_state(host)
    while True:
        try:
            plugin.create_or_update_agent(n_context.get_admin_context(), state)
            state['start_flag'] = False
        except Exception:  # a locked DB now and then must not end the heartbeat
            LOG.exception('neutron_launcher: reporting the agent of %s failed', host)
        time.sleep(HEARTBEAT_SECONDS)


def _exit_on_signal(signum, frame):
    LOG.info('neutron_launcher: signal %d, exiting', signum)
    os._exit(0)


def serve(ready_file, agent_host):
    from neutron import service

    neutron_api = service.serve_wsgi(service.NeutronApiService)
    registry.publish(resources.PROCESS, events.AFTER_SPAWN, None)
    eventlet.spawn_n(_heartbeat, agent_host)
    if ready_file:
        write_ready_file(ready_file)
    LOG.info('neutron_launcher: API listening on %s:%s', cfg.CONF.bind_host, cfg.CONF.bind_port)
    # Something in the server catches SIGTERM and carries on (without workers no launcher handles
    # it), so stop.sh had to KILL after its timeout. SQLite in WAL mode survives a plain exit.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGINT, _exit_on_signal)
    neutron_api.wait()
    return 0


def main(argv):
    parser = argument_parser(__doc__, ['init', 'serve'], 'serve: file to write once the API listens')
    parser.add_argument('--agent-host', default='fake-host',
                        help='serve: host to report an Open vSwitch agent for (Nova\'s compute host)')
    args = parser.parse_args(argv)
    if args.command == 'init':
        return init_database(args.config_file)
    _parse_serve_config(args.config_file)
    return serve(args.ready_file, args.agent_host)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/python3
"""Nova for the loopback test cloud, all in one process.

    nova_launcher.py init  --config-file NOVA_CONF --cell0-connection URL  # API, cell0, cell1 DBs
    nova_launcher.py serve --config-file NOVA_CONF [--ready-file F]  # api+conductor+scheduler+compute

`serve` runs the four services the way Nova's own functional tests do: in one eventlet process on
oslo.messaging's in-process ``fake:/`` bus, with the fake virt driver. There is no Neutron: Nova's
``NeutronFixture`` (shipped in python3-nova) stands in for the Neutron client, adapted by
``LoopbackNeutron`` below to real Keystone projects.

Run it with /usr/bin/python3: Debian's dist-packages are not on other interpreters' paths.
"""

import nova.monkey_patch  # noqa: F401  (eventlet first, as nova's own entry points do)

import copy
import ipaddress
import random
import sys
import time

import eventlet
import fixtures
from neutronclient.common import exceptions as neutron_exc
from oslo_log import log as logging
from oslo_service import service as oslo_service
from oslo_utils import uuidutils

from nova.cmd import manage
from nova.compute import rpcapi as compute_rpcapi
from nova.conductor import rpcapi as conductor_rpcapi
import nova.conf
from nova import config
from nova import context
from nova import objects
from nova.scheduler import rpcapi as scheduler_rpcapi
from nova import service
from nova.tests.fixtures import neutron as neutron_fixture
from nova import utils

from launcher_common import argument_parser, write_ready_file

CONF = nova.conf.CONF
LOG = logging.getLogger('nova_launcher')

# Addresses handed out on the stand-in's one network, lowest free first.
FIRST_HOST, LAST_HOST = 10, 254


class LoopbackNeutron(neutron_fixture.NeutronFixture):
    """NeutronFixture made usable with real Keystone projects.

    The stock fixture hard-codes a test project id into its network and ports, so ports made
    for a real project were invisible to it (empty network info, ``addresses: {}``), and it
    gave every port the same MAC, which clashes with ``virtual_interfaces`` rows after a
    restart. Here the network is shared, each port carries the caller's project id, a random
    ``fa:16:3e`` MAC and the lowest free IPv4 address of ``private-subnet``.
    """

    network_1 = dict(neutron_fixture.NeutronFixture.network_1, shared=True)

    def __init__(self, host):
        super().__init__(host)
        # No canned ports: they belong to the fixture's test project and hold addresses.
        self._ports = {}
        self._networks = {self.network_1['id']: self.network_1}

    def _free_ip(self):
        subnet = ipaddress.ip_network(self.subnet_1['cidr'], strict=False)
        used = {ip['ip_address'] for port in self._ports.values() for ip in port.get('fixed_ips', [])}
        for offset in range(FIRST_HOST, LAST_HOST + 1):
            candidate = str(subnet.network_address + offset)
            if candidate not in used:
                return candidate
        raise neutron_exc.IpAddressGenerationFailureClient()

    def _free_mac(self):
        used = {port.get('mac_address') for port in self._ports.values()}
        while True:
            mac = 'fa:16:3e:%02x:%02x:%02x' % tuple(random.randint(0, 255) for _ in range(3))
            if mac not in used:
                return mac

    def create_port(self, body=None):
        requested = (body or {}).get('port', {})
        project_id = requested.get('project_id') or requested.get('tenant_id') or self.tenant_id
        port = copy.deepcopy(requested)
        port.update(copy.deepcopy(self.default_port))
        port.update({
            'id': uuidutils.generate_uuid(),
            'network_id': requested.get('network_id', self.network_1['id']),
            'mac_address': self._free_mac(),
            'fixed_ips': [{'ip_address': self._free_ip(), 'subnet_id': self.subnet_1['id']}],
            'tenant_id': project_id,
            'project_id': project_id,
        })
        self._ports[port['id']] = port
        return {'port': copy.deepcopy(port)}


class _FixtureHost:
    """The two hooks NeutronFixture expects from a test case, outside of any test."""

    def flags(self, group=None, **overrides):
        for name, value in overrides.items():
            CONF.set_override(name, value, group)

    def stub_out(self, target, replacement):
        fixtures.MonkeyPatch(target, replacement).setUp()


def _parse_config(config_file):
    config.parse_args(['nova-launcher', '--config-file', config_file])
    # oslo.messaging warns "Using RPCClient manually" on every RPC client Nova builds: hundreds of
    # lines a minute from the periodic tasks alone.
    CONF.set_default('default_log_levels', CONF.default_log_levels + ['oslo_messaging.rpc.client=ERROR'])
    logging.setup(CONF, 'nova')
    objects.register_all()


def init_databases(cell0_connection):
    """What `nova-manage api_db sync; cell_v2 map_cell0; cell_v2 create_cell; db sync` do,
    in one process instead of four (each nova-manage start costs about 3 s of imports).
    Safe to repeat."""
    cells = manage.CellV2Commands()
    steps = [
        ('api_db sync', lambda: manage.ApiDbCommands().sync()),
        ('cell_v2 map_cell0', lambda: cells.map_cell0(database_connection=cell0_connection)),
        # A none:/// URL makes the cell use the process-wide transport; the /cell1 suffix keeps it
        # distinct from cell0's none:///. A fake:/ URL would open a second, disconnected bus.
        ('cell_v2 create_cell', lambda: _create_cell1(cells)),
        ('db sync', lambda: manage.DbCommands().sync()),
    ]
    for name, step in steps:
        code = step()
        if code not in (None, 0):
            print(f'nova_launcher: {name} failed with code {code}', file=sys.stderr)
            return 1
    return 0


def _create_cell1(cells):
    existing = objects.CellMappingList.get_all(context.get_admin_context())
    if any(cell.name == 'cell1' for cell in existing):
        return 0
    return cells.create_cell(name='cell1', transport_url='none:///cell1',
                             database_connection=CONF.database.connection)


def _wait_for_placement(timeout):
    """Block until Keystone knows the nova user and Placement answers through the catalog.

    The compute service reports its resource provider during start-up; if Placement is not
    reachable then, the next try is a 60 s periodic task away.
    """
    deadline = time.monotonic() + timeout
    last_error = 'no attempt'
    while time.monotonic() < deadline:
        try:
            response = utils.get_ksa_adapter('placement').get('/', raise_exc=False)
            if response.status_code == 200:
                return
            last_error = f'HTTP {response.status_code}'
        except Exception as error:  # keystone down, user or endpoint not there yet
            last_error = f'{type(error).__name__}: {error}'
        time.sleep(0.5)
    raise SystemExit(f'nova_launcher: Placement not reachable through Keystone after {timeout} s: {last_error}')


def _announce_when_started(rpc_services, ready_file):
    """Write ready_file once every RPC service has started its server (compute last of all)."""
    while any(svc.rpcserver is None for svc in rpc_services):
        time.sleep(0.1)  # green: eventlet has patched time
    write_ready_file(ready_file)
    LOG.info('nova_launcher: api, conductor, scheduler and compute started')


def serve(timeout, ready_file, network):
    if network == 'fixture':
        neutron = LoopbackNeutron(_FixtureHost())
        neutron.setUp()
    _wait_for_placement(timeout)

    launcher = oslo_service.ServiceLauncher(CONF, restart_method='mutate')
    rpc_services = []
    # Conductor first: compute's start-up talks to it over the bus.
    for binary, topic in (('nova-conductor', conductor_rpcapi.RPC_TOPIC),
                          ('nova-scheduler', scheduler_rpcapi.RPC_TOPIC),
                          ('nova-compute', compute_rpcapi.RPC_TOPIC)):
        rpc_services.append(service.Service.create(binary=binary, topic=topic))
        launcher.launch_service(rpc_services[-1])
    launcher.launch_service(service.WSGIService('osapi_compute'), workers=1)
    if ready_file:
        eventlet.spawn_n(_announce_when_started, rpc_services, ready_file)
    launcher.wait()
    return 0


def main(argv):
    parser = argument_parser(__doc__, ['init', 'serve'],
                             'serve: file to write once all services have started')
    parser.add_argument('--cell0-connection', help='init: database URL of cell0')
    parser.add_argument('--wait-timeout', type=float, default=180,
                        help='serve: seconds to wait for Keystone and Placement')
    parser.add_argument('--network', choices=['neutron', 'fixture'], default='fixture',
                        help='serve: the real Neutron from the catalog ([neutron] in the config), '
                             'or the in-process NeutronFixture stand-in (default)')
    args = parser.parse_args(argv)
    if args.command == 'init' and not args.cell0_connection:
        parser.error('init needs --cell0-connection')
    _parse_config(args.config_file)
    if args.command == 'init':
        return init_databases(args.cell0_connection)
    return serve(args.wait_timeout, args.ready_file, args.network)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

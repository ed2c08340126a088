#!/usr/bin/python3
"""REST-side set-up of the loopback test cloud, called by start.sh. Standard library only.

    cloud_setup.py register    # wait for Keystone; users, projects, roles, services, endpoints
    cloud_setup.py wait-nova   # wait for Nova's API and services, the compute host's cell
                               # mapping and its resource provider in Placement
    cloud_setup.py wait-cinder # wait for cinder_launcher's services: volume backend up, scheduler ready
    cloud_setup.py flavors     # m1.tiny, m1.small, m1.medium, m1.zero-disk
    cloud_setup.py networks    # Neutron: networks private and public, their subnets, router1
    cloud_setup.py facts       # write cloud.json, admin.env and demo.env

Everything is read from the environment start.sh exports (OSL_STATE_DIR, OSL_*_PORT,
OSL_NEUTRON, OSL_CINDER, OSL_PASSWORD). Every step is idempotent: it creates what is missing and corrects endpoint URLs
after a port change.
"""

import json
import os
import sqlite3
import sys
import time
import urllib.error
import urllib.request

STATE = os.environ['OSL_STATE_DIR']
PASSWORD = os.environ['OSL_PASSWORD']
# 1: a real Neutron runs (neutron_launcher.py); 0: Nova's in-process stand-in, no network endpoint.
NEUTRON = os.environ.get('OSL_NEUTRON', '1') == '1'
# 1: Cinder's v3 API, scheduler and a fake volume backend run (cinder_launcher.py); 0: no block storage.
CINDER = os.environ.get('OSL_CINDER', '1') == '1'
PORTS = {name: int(os.environ[f'OSL_{name.upper()}_PORT'])
         for name in ('keystone', 'glance', 'placement', 'nova') + (('neutron',) if NEUTRON else ())
         + (('cinder',) if CINDER else ())}
REGION = 'RegionOne'
DOMAIN = 'Default'
COMPUTE_API_VERSION = '2.74'
COMPUTE_HOST = 'fake-host'
TIMEOUT = float(os.environ.get('OSL_READY_TIMEOUT', '180'))

AUTH_URL = f'http://127.0.0.1:{PORTS["keystone"]}/v3'
ENDPOINTS = {
    'identity': AUTH_URL,
    'image': f'http://127.0.0.1:{PORTS["glance"]}',
    'placement': f'http://127.0.0.1:{PORTS["placement"]}',
    'compute': f'http://127.0.0.1:{PORTS["nova"]}/v2.1',
}
if NEUTRON:
    # Unversioned, as Neutron registers itself: clients append /v2.0.
    ENDPOINTS['network'] = f'http://127.0.0.1:{PORTS["neutron"]}'
if CINDER:
    # Keystone substitutes the token's project; Nova's and the clients' default type is volumev3.
    ENDPOINTS['volumev3'] = f'http://127.0.0.1:{PORTS["cinder"]}/v3/%(project_id)s'
# Service name per catalog type; Keystone's own entry is first made by `keystone-manage bootstrap`.
SERVICES = {'identity': 'keystone', 'image': 'glance', 'placement': 'placement', 'compute': 'nova',
            'network': 'neutron', 'volumev3': 'cinder'}

USERS = {
    'admin': {'project': 'admin', 'roles': ['admin']},
    'demo': {'project': 'demo', 'roles': ['member', 'reader']},
}
SERVICE_USERS = ('glance', 'placement', 'nova', 'neutron', 'cinder')
FLAVORS = [
    {'id': '1', 'name': 'm1.tiny', 'vcpus': 1, 'ram': 512, 'disk': 1},
    {'id': '2', 'name': 'm1.small', 'vcpus': 1, 'ram': 2048, 'disk': 20},
    {'id': '3', 'name': 'm1.medium', 'vcpus': 2, 'ram': 4096, 'disk': 40},
    # No root disk: only volume-backed servers may use it (Nova's policy
    # os_compute_api:servers:create:zero_disk_flavor refuses image-backed boots for non-admins).
    {'id': '4', 'name': 'm1.zero-disk', 'vcpus': 1, 'ram': 512, 'disk': 0},
]
FLAVORS_FILE = f'{STATE}/db/flavors.done'
# What nova_launcher.py's Neutron stand-in serves (NeutronFixture's network_1 / subnet_1).
FIXTURE_NETWORK = {'name': 'private', 'id': '3cb9bc59-5699-4588-a4b1-b87f96708bc6', 'cidr': '192.168.1.0/24'}
# What `networks` makes in a real Neutron (as admin, in project admin): a shared project network,
# an external flat network for floating IPs, and a router with its gateway on `public` and an
# interface on `private-subnet`. Project networks made later by tests are of type 'local'.
PRIVATE = {'name': 'private', 'subnet': 'private-subnet', 'cidr': '192.168.1.0/24',
           'gateway': '192.168.1.1', 'pool': ('192.168.1.10', '192.168.1.254')}
PUBLIC = {'name': 'public', 'subnet': 'public-subnet', 'cidr': '172.24.4.0/24',
          'gateway': '172.24.4.1', 'pool': ('172.24.4.10', '172.24.4.254')}
ROUTER = 'router1'
NETWORKS_FILE = f'{STATE}/db/networks.json'


class HttpError(Exception):
    def __init__(self, method, url, status, body):
        super().__init__(f'{method} {url} -> HTTP {status}: {body[:300]}')
        self.status = status


def request(method, url, body=None, token=None, headers=None):
    """One JSON request; returns (status, parsed body or None, response headers)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header('Accept', 'application/json')
    if data is not None:
        req.add_header('Content-Type', 'application/json')
    if token:
        req.add_header('X-Auth-Token', token)
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw else None), response.headers
    except urllib.error.HTTPError as error:
        raise HttpError(method, url, error.code, error.read().decode(errors='replace')) from None


def wait_for(what, probe):
    """Call probe() until it returns a true value; name `what` and the last error on timeout."""
    deadline = time.monotonic() + TIMEOUT
    last = 'not ready'
    while time.monotonic() < deadline:
        try:
            result = probe()
            if result:
                return result
        except (OSError, HttpError, sqlite3.Error) as error:
            last = str(error)
        time.sleep(0.25)
    sys.exit(f'cloud_setup: timed out after {TIMEOUT:.0f} s waiting for {what}: {last}')


def token(user='admin', project='admin'):
    body = {'auth': {
        'identity': {'methods': ['password'], 'password': {
            'user': {'name': user, 'domain': {'name': DOMAIN}, 'password': PASSWORD}}},
        'scope': {'project': {'name': project, 'domain': {'name': DOMAIN}}},
    }}
    _, _, headers = request('POST', f'{AUTH_URL}/auth/tokens', body)
    return headers['X-Subject-Token']


class Keystone:
    def __init__(self, admin_token):
        self.token = admin_token

    def call(self, method, path, body=None):
        return request(method, f'{AUTH_URL}{path}', body, self.token)[1]

    def ensure(self, collection, key, query, fields):
        """Find one `collection` entry by query string, or create it with fields; return its id."""
        found = self.call('GET', f'/{collection}?{query}')[collection]
        if found:
            return found[0]['id']
        return self.call('POST', f'/{collection}', {key: fields})[key]['id']

    def project(self, name):
        return self.ensure('projects', 'project', f'name={name}&domain_id=default',
                           {'name': name, 'domain_id': 'default', 'description': f'{name} (loopback test cloud)'})

    def user(self, name, project_id):
        return self.ensure('users', 'user', f'name={name}&domain_id=default',
                           {'name': name, 'domain_id': 'default', 'password': PASSWORD,
                            'default_project_id': project_id})

    def role(self, name):
        return self.ensure('roles', 'role', f'name={name}', {'name': name})

    def grant(self, project_id, user_id, role):
        role_id = self.call('GET', f'/roles?name={role}')['roles'][0]['id']
        self.call('PUT', f'/projects/{project_id}/users/{user_id}/roles/{role_id}')

    def catalog_entry(self, service_type, name, url):
        service_id = self.ensure('services', 'service', f'type={service_type}',
                                 {'name': name, 'type': service_type, 'enabled': True})
        existing = {e['interface']: e for e in self.call('GET', f'/endpoints?service_id={service_id}')['endpoints']
                    if e.get('region_id') == REGION}
        for interface in ('public', 'internal', 'admin'):
            endpoint = existing.get(interface)
            if endpoint is None:
                self.call('POST', '/endpoints', {'endpoint': {
                    'service_id': service_id, 'interface': interface, 'url': url, 'region_id': REGION}})
            elif endpoint['url'].rstrip('/') != url:
                self.call('PATCH', f'/endpoints/{endpoint["id"]}', {'endpoint': {'url': url}})


def register():
    keystone = Keystone(wait_for('a Keystone token', token))
    service_project = keystone.project('service')
    # Role 'service' (not made by keystone-manage bootstrap in Zed) marks service tokens: Cinder
    # accepts a server's attachment deletion only with Nova's service token (bug 2004555).
    keystone.role('service')
    for name in SERVICE_USERS:
        user_id = keystone.user(name, service_project)
        for role in ('admin', 'service'):
            keystone.grant(service_project, user_id, role)
    demo_project = keystone.project('demo')
    demo_user = keystone.user('demo', demo_project)
    for role in USERS['demo']['roles']:
        keystone.grant(demo_project, demo_user, role)
    for service_type, url in ENDPOINTS.items():
        keystone.catalog_entry(service_type, SERVICES[service_type], url)
    # Back to no Neutron (Nova's stand-in) or no Cinder after a run with it: no endpoint that
    # nothing answers.
    for service_type, enabled in (('network', NEUTRON), ('volumev3', CINDER)):
        if enabled:
            continue
        for service in keystone.call('GET', f'/services?type={service_type}')['services']:
            keystone.call('DELETE', f'/services/{service["id"]}')


def wait_nova():
    admin = wait_for('a Keystone token', token)
    wait_for('the Nova API', lambda: request('GET', f'{ENDPOINTS["compute"]}/', token=admin)[0] == 200)
    wait_for('nova_launcher to report all services started',
             lambda: os.path.exists(f'{STATE}/run/nova.ready'))

    def host_mapped():
        db = f'file:{STATE}/db/nova_api.sqlite?mode=ro'
        with sqlite3.connect(db, uri=True, timeout=5) as connection:
            return connection.execute('SELECT 1 FROM host_mappings WHERE host = ?', (COMPUTE_HOST,)).fetchone()

    def provider_with_inventory():
        placement = ENDPOINTS['placement']
        headers = {'OpenStack-API-Version': 'placement 1.14'}
        providers = request('GET', f'{placement}/resource_providers?name={COMPUTE_HOST}',
                            token=admin, headers=headers)[1]['resource_providers']
        if not providers:
            return False
        inventories = request('GET', f'{placement}/resource_providers/{providers[0]["uuid"]}/inventories',
                              token=admin, headers=headers)[1]['inventories']
        return 'VCPU' in inventories

    def compute_service_up():
        # After a restart on existing state the service's last heartbeat is the old run's, and the
        # scheduler's ComputeFilter refuses the host until the first new report: wait for 'up'.
        services = request('GET', f'{ENDPOINTS["compute"]}/os-services?binary=nova-compute&host={COMPUTE_HOST}',
                           token=admin)[1]['services']
        return any(service['state'] == 'up' and service['status'] == 'enabled' for service in services)

    wait_for(f'the resource provider of {COMPUTE_HOST} in Placement', provider_with_inventory)
    wait_for(f'{COMPUTE_HOST} to be mapped to cell1', host_mapped)
    wait_for(f'nova-compute on {COMPUTE_HOST} to report itself up', compute_service_up)


def wait_cinder():
    wait_for('cinder_launcher to report its services started',
             lambda: os.path.exists(f'{STATE}/run/cinder.ready'))
    admin = wait_for('a Keystone token', token)
    project_id = Keystone(admin).call('GET', f'/projects?name={USERS["admin"]["project"]}'
                                      f'&domain_id=default')['projects'][0]['id']

    def services_up():
        # After a restart on existing state a stale heartbeat would count as 'up' for a minute;
        # the ready file above says this process's services have started.
        services = request('GET', f'http://127.0.0.1:{PORTS["cinder"]}/v3/{project_id}/os-services',
                           token=admin)[1]['services']
        up = {service['binary'] for service in services if service['state'] == 'up'
              and service['status'] == 'enabled'}
        return {'cinder-volume', 'cinder-scheduler'} <= up

    wait_for('cinder-volume and cinder-scheduler to report themselves up', services_up)


def flavors():
    names = ' '.join(flavor['name'] for flavor in FLAVORS)
    if os.path.exists(FLAVORS_FILE):
        with open(FLAVORS_FILE) as handle:
            # The set of flavors made by the last run (an older start.sh left the file empty).
            if handle.read().strip() == names:
                return
    admin = token()
    for flavor in FLAVORS:
        try:
            request('GET', f'{ENDPOINTS["compute"]}/flavors/{flavor["id"]}', token=admin)
        except HttpError as error:
            if error.status != 404:
                raise
            request('POST', f'{ENDPOINTS["compute"]}/flavors', {'flavor': {
                **flavor, 'os-flavor-access:is_public': True}}, token=admin)
    write(FLAVORS_FILE, names + '\n')


class Neutron:
    def __init__(self, admin_token):
        self.token = admin_token
        self.url = f'{ENDPOINTS["network"]}/v2.0'
        self.project_id = Keystone(admin_token).call('GET', f'/projects?name={USERS["admin"]["project"]}'
                                                     f'&domain_id=default')['projects'][0]['id']

    def call(self, method, path, body=None):
        return request(method, f'{self.url}{path}', body, self.token)[1]

    def ensure(self, collection, key, name, fields):
        """The admin project's `collection` entry called name, created with fields if missing
        (the admin sees every project's: tests may make their own 'private')."""
        found = self.call('GET', f'/{collection}?name={name}&project_id={self.project_id}')[collection]
        if found:
            return found[0]
        return self.call('POST', f'/{collection}', {key: {'name': name, **fields}})[key]

    def network(self, spec, fields):
        network = self.ensure('networks', 'network', spec['name'], fields)
        subnet = self.ensure('subnets', 'subnet', spec['subnet'], {
            'network_id': network['id'], 'ip_version': 4, 'cidr': spec['cidr'],
            'gateway_ip': spec['gateway'], 'enable_dhcp': not fields.get('router:external', False),
            'allocation_pools': [{'start': spec['pool'][0], 'end': spec['pool'][1]}]})
        return {'name': spec['name'], 'id': network['id'], 'cidr': spec['cidr'],
                'subnetName': spec['subnet'], 'subnetId': subnet['id'], 'gateway': spec['gateway'],
                'shared': network['shared'], 'external': network['router:external'],
                'networkType': network.get('provider:network_type')}


def networks():
    neutron = Neutron(wait_for('a Keystone token', token))
    private = neutron.network(PRIVATE, {'shared': True, 'provider:network_type': 'local'})
    public = neutron.network(PUBLIC, {'router:external': True, 'provider:network_type': 'flat',
                                      'provider:physical_network': 'public'})
    router = neutron.ensure('routers', 'router', ROUTER, {
        'external_gateway_info': {'network_id': public['id']}})
    if not (router.get('external_gateway_info') or {}).get('network_id'):
        router = neutron.call('PUT', f'/routers/{router["id"]}', {'router': {
            'external_gateway_info': {'network_id': public['id']}}})['router']
    interfaces = neutron.call('GET', f'/ports?device_id={router["id"]}&network_id={private["id"]}')['ports']
    if not interfaces:
        neutron.call('PUT', f'/routers/{router["id"]}/add_router_interface', {'subnet_id': private['subnetId']})
    gateway_ips = [ip['ip_address'] for ip in router['external_gateway_info'].get('external_fixed_ips', [])]
    write(NETWORKS_FILE, json.dumps({
        'private': private, 'public': public,
        'router': {'name': ROUTER, 'id': router['id'], 'externalGatewayIps': gateway_ips},
    }, indent=2) + '\n')


def facts():
    users = {name: {
        'username': name, 'password': PASSWORD, 'projectName': spec['project'],
        'userDomainName': DOMAIN, 'projectDomainName': DOMAIN, 'roles': spec['roles'],
        'envFile': f'{STATE}/{name}.env',
    } for name, spec in USERS.items()}
    cloud = {
        'stateDir': STATE,
        'authUrl': AUTH_URL,
        'identityApiVersion': 3,
        'region': REGION,
        'interface': 'public',
        'computeApiVersion': COMPUTE_API_VERSION,
        'ports': PORTS,
        'endpoints': ENDPOINTS,
        'users': users,
        'flavors': [{'id': f['id'], 'name': f['name'], 'vcpus': f['vcpus'], 'ramMb': f['ram'],
                     'diskGb': f['disk']} for f in FLAVORS],
        'network': FIXTURE_NETWORK,
        'neutron': NEUTRON,
        'cinder': CINDER,
        'computeHost': COMPUTE_HOST,
    }
    if NEUTRON:
        with open(NETWORKS_FILE) as handle:
            made = json.load(handle)
        # `network` keeps its shape (name, id, cidr) and is the network servers boot on.
        cloud['network'] = made['private']
        cloud['externalNetwork'] = made['public']
        cloud['router'] = made['router']
    for name, user in users.items():
        env = {
            'OS_AUTH_URL': AUTH_URL, 'OS_IDENTITY_API_VERSION': '3', 'OS_AUTH_TYPE': 'password',
            'OS_USERNAME': name, 'OS_PASSWORD': PASSWORD, 'OS_PROJECT_NAME': user['projectName'],
            'OS_USER_DOMAIN_NAME': DOMAIN, 'OS_PROJECT_DOMAIN_NAME': DOMAIN,
            'OS_REGION_NAME': REGION, 'OS_INTERFACE': 'public',
            'OS_COMPUTE_API_VERSION': COMPUTE_API_VERSION,
        }
        write(user['envFile'], ''.join(f'export {key}={value}\n' for key, value in env.items()))
    write(f'{STATE}/cloud.json', json.dumps(cloud, indent=2) + '\n')


def write(path, text):
    """Replace path atomically, so a concurrent reader never sees half a file."""
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w') as handle:
        handle.write(text)
    os.replace(tmp, path)


COMMANDS = {'register': register, 'wait-nova': wait_nova, 'wait-cinder': wait_cinder, 'flavors': flavors,
            'networks': networks, 'facts': facts}

if __name__ == '__main__':
    if len(sys.argv) != 2 or sys.argv[1] not in COMMANDS:
        sys.exit(f'usage: cloud_setup.py {{{"|".join(COMMANDS)}}}')
    COMMANDS[sys.argv[1]]()

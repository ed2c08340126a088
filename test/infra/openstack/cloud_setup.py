#!/usr/bin/python3
"""REST-side set-up of the loopback test cloud, called by start.sh. Standard library only.

    cloud_setup.py register    # wait for Keystone; users, projects, roles, services, endpoints
    cloud_setup.py wait-nova   # wait for Nova's API and services, the compute host's cell
                               # mapping and its resource provider in Placement
    cloud_setup.py flavors     # m1.tiny, m1.small, m1.medium
    cloud_setup.py facts       # write cloud.json, admin.env and demo.env

Everything is read from the environment start.sh exports (OSL_STATE_DIR, OSL_*_PORT,
OSL_PASSWORD). Every step is idempotent: it creates what is missing and corrects endpoint URLs
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
PORTS = {name: int(os.environ[f'OSL_{name.upper()}_PORT'])
         for name in ('keystone', 'glance', 'placement', 'nova')}
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
# Service name per catalog type; Keystone's own entry is first made by `keystone-manage bootstrap`.
SERVICES = {'identity': 'keystone', 'image': 'glance', 'placement': 'placement', 'compute': 'nova'}

USERS = {
    'admin': {'project': 'admin', 'roles': ['admin']},
    'demo': {'project': 'demo', 'roles': ['member', 'reader']},
}
SERVICE_USERS = ('glance', 'placement', 'nova')
FLAVORS = [
    {'id': '1', 'name': 'm1.tiny', 'vcpus': 1, 'ram': 512, 'disk': 1},
    {'id': '2', 'name': 'm1.small', 'vcpus': 1, 'ram': 2048, 'disk': 20},
    {'id': '3', 'name': 'm1.medium', 'vcpus': 2, 'ram': 4096, 'disk': 40},
]
# What nova_launcher.py's Neutron stand-in serves (NeutronFixture's network_1 / subnet_1).
NETWORK = {'name': 'private', 'id': '3cb9bc59-5699-4588-a4b1-b87f96708bc6', 'cidr': '192.168.1.0/24'}


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
    for name in SERVICE_USERS:
        keystone.grant(service_project, keystone.user(name, service_project), 'admin')
    demo_project = keystone.project('demo')
    demo_user = keystone.user('demo', demo_project)
    for role in USERS['demo']['roles']:
        keystone.grant(demo_project, demo_user, role)
    for service_type, url in ENDPOINTS.items():
        keystone.catalog_entry(service_type, SERVICES[service_type], url)


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


def flavors():
    admin = token()
    for flavor in FLAVORS:
        try:
            request('GET', f'{ENDPOINTS["compute"]}/flavors/{flavor["id"]}', token=admin)
        except HttpError as error:
            if error.status != 404:
                raise
            request('POST', f'{ENDPOINTS["compute"]}/flavors', {'flavor': {
                **flavor, 'os-flavor-access:is_public': True}}, token=admin)


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
        'network': NETWORK,
        'computeHost': COMPUTE_HOST,
    }
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


COMMANDS = {'register': register, 'wait-nova': wait_nova, 'flavors': flavors, 'facts': facts}

if __name__ == '__main__':
    if len(sys.argv) != 2 or sys.argv[1] not in COMMANDS:
        sys.exit(f'usage: cloud_setup.py {{{"|".join(COMMANDS)}}}')
    COMMANDS[sys.argv[1]]()

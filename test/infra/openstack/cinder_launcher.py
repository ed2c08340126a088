#!/usr/bin/python3
"""Cinder for the loopback test cloud, all in one process.

    cinder_launcher.py serve --config-file CINDER_CONF [--ready-file F]  # api+scheduler+volume

`serve` runs cinder-volume, cinder-scheduler and the v3 API (``WSGIService('osapi_volume')``) the
way Cinder's own functional tests do (cinder/tests/functional/functional_helpers.py): in one
eventlet process on oslo.messaging's in-process ``fake:/`` bus. The one backend, ``loopback``, uses
``LoopbackVolumeDriver`` below. The DB schema comes from the real ``cinder-manage db sync`` (start.sh).

Run it with /usr/bin/python3: Debian's dist-packages are not on other interpreters' paths.
"""

import eventlet

eventlet.monkey_patch()  # as cinder.cmd.* do, before anything else is imported
# The threading fix-up every cinder.cmd.* entry point does after monkey-patching.
import __original_module_threading as orig_threading  # noqa: E402
import threading  # noqa: E402

orig_threading.current_thread.__globals__['_active'] = threading._active

import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

from oslo_config import cfg  # noqa: E402
from oslo_log import log as logging  # noqa: E402
from oslo_service import service as oslo_service  # noqa: E402
from oslo_utils import units  # noqa: E402

from cinder.common import config  # noqa: E402
from cinder.common import constants  # noqa: E402
from cinder import i18n  # noqa: E402

i18n.enable_lazy()
from cinder.image import image_utils  # noqa: E402
from cinder import objects  # noqa: E402
from cinder import rpc  # noqa: E402
from cinder import service  # noqa: E402
from cinder.tests import fake_driver  # noqa: E402
from cinder import version  # noqa: E402

from launcher_common import argument_parser, write_ready_file  # noqa: E402

CONF = cfg.CONF
LOG = logging.getLogger('cinder_launcher')

# cinder.conf names the driver `cinder_launcher.LoopbackVolumeDriver`; run as a script this module
# is __main__, and importing it again by file name would run all of the above a second time.
if __name__ == '__main__':
    sys.modules.setdefault('cinder_launcher', sys.modules[__name__])


class LoopbackVolumeDriver(fake_driver.FakeLoggingVolumeDriver):
    """Cinder's FakeLoggingVolumeDriver with each volume a sparse file under state_path.

    The fake driver (from python3-cinder's own tests) needs no LVM, no iSCSI target and no root:
    its command executor does nothing, its capacity is infinite and its target (`target_helper =
    fake`) exports nothing. But it inherits the LVM driver's local_path(), /dev/mapper/<vg>-<lv>,
    which does not exist here (no device-mapper in this kernel), so creating a volume from an image
    failed when qemu-img convert opened it. Here local_path() is a regular file, made sparse at the
    volume's size, so an image really is downloaded from Glance and converted to raw on to it;
    deleting the volume removes the file. Snapshots and clones stay the fake driver's no-ops.
    """

    @staticmethod
    def _directory():
        return os.path.join(CONF.state_path, 'volume-files')

    def local_path(self, volume, vg=None):
        return os.path.join(self._directory(), volume['name'])

    def _resize_file(self, volume, size_gb):
        with open(self.local_path(volume), 'ab') as handle:
            handle.truncate(size_gb * units.Gi)  # sparse: no blocks are written

    def create_volume(self, volume):
        update = super().create_volume(volume)
        os.makedirs(self._directory(), exist_ok=True)
        self._resize_file(volume, volume['size'])
        return update

    def extend_volume(self, volume, new_size):
        super().extend_volume(volume, new_size)
        self._resize_file(volume, new_size)

    def delete_volume(self, volume):
        super().delete_volume(volume)
        try:
            os.unlink(self.local_path(volume))
        except FileNotFoundError:
            pass

    def copy_image_to_volume(self, context, volume, image_service, image_id):
        # The LVM driver's own code, but without root: the file is ours (as non-root, run_as_root
        # would prefix `sudo cinder-rootwrap`, which is not installed).
        image_utils.fetch_to_raw(context, image_service, image_id, self.local_path(volume),
                                 self.configuration.volume_dd_blocksize, size=volume['size'],
                                 run_as_root=False)
        # qemu-img convert left the file at the image's virtual size: back to the volume's.
        self._resize_file(volume, volume['size'])


class OwnIdService(service.Service):
    """cinder.service.Service with each service's heartbeat on its own DB row.

    Upstream runs one service per process and keeps its DB id in a class attribute,
    ``Service.service_id``. With volume and scheduler in one process the scheduler's start
    overwrote the volume's: the volume heartbeats updated the scheduler's row, cinder-volume showed
    'down' 60 s after start, and the scheduler would then refuse every request (no valid backend).
    Here each heartbeat uses its own id; otherwise the attribute holds the volume service's id (see
    _after_start), since it also tags in-flight volume operations for clean-up after a crash.
    """

    def report_state(self):
        previous = service.Service.service_id
        service.Service.service_id = self.origin_service_id
        try:
            super().report_state()
        finally:
            service.Service.service_id = previous


def _parse_config(config_file):
    # With enforce_new_defaults = false oslo.policy warns once per deprecated rule: about 90 lines.
    warnings.filterwarnings('ignore', message='Policy .* was deprecated in', category=UserWarning)
    objects.register_all()
    CONF(['--config-file', config_file], project='cinder', version=version.version_string())
    config.set_middleware_defaults()
    # oslo.messaging warns "Using RPCClient manually" on every RPC client Cinder builds.
    CONF.set_default('default_log_levels', CONF.default_log_levels + ['oslo_messaging.rpc.client=ERROR'])
    logging.setup(CONF, 'cinder')


def _after_start(volume, scheduler, ready_file):
    """Once the volume service listens and the scheduler has its capabilities: give
    Service.service_id back to the volume service (see OwnIdService) and write ready_file.

    Until then the scheduler holds every create request (it waits up to
    scheduler_driver_init_wait_time for the first capability report).
    """
    while volume.rpcserver is None or scheduler.rpcserver is None or scheduler.manager._startup_delay:
        time.sleep(0.1)  # green: eventlet has patched time
    service.Service.service_id = volume.origin_service_id
    if ready_file:
        write_ready_file(ready_file)
    LOG.info('cinder_launcher: api, scheduler and volume (%s) started', volume.host)


def serve(ready_file):
    rpc.init(CONF)
    launcher = oslo_service.ServiceLauncher(CONF, restart_method='mutate')
    # Volume first, as the functional tests do: the scheduler then gets its capabilities at once.
    backend = CONF.enabled_backends[0]
    volume = OwnIdService.create(host=f'{CONF.host}@{backend}', service_name=backend,
                                 binary=constants.VOLUME_BINARY, coordination=True)
    launcher.launch_service(volume)
    scheduler = OwnIdService.create(binary=constants.SCHEDULER_BINARY)
    launcher.launch_service(scheduler)
    launcher.launch_service(service.WSGIService('osapi_volume'), workers=1)
    eventlet.spawn_n(_after_start, volume, scheduler, ready_file)
    launcher.wait()
    return 0


def main(argv):
    parser = argument_parser(__doc__, ['serve'], 'file to write once all services have started')
    args = parser.parse_args(argv)
    _parse_config(args.config_file)
    return serve(args.ready_file)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

import * as o from '../kinds.js';

/**
 * The Indico stack's settings (the original's indico_config/vm_config options). Shared by the image
 * build, the stock-image path of the deploy action and render-script: one recipe, two transports.
 * Secrets left empty are generated on each new instance by the first-boot unit, never baked into an image.
 */
export const recipeOptions = {
  serverHostname: o.hostname({
    description: 'Host name in Indico BASE_URL and the web server vhost',
    default: 'localhost',
    origin: 'guest_machine.name',
  }),
  httpPort: o.port({
    description: 'HTTP port (redirects to HTTPS)',
    default: 80,
    origin: 'guest_machine.http_port, machine.http_port',
  }),
  httpsPort: o.port({
    description: 'HTTPS port Indico is served on',
    default: 443,
    origin: 'guest_machine.https_port, machine.https_port',
  }),
  webServer: o.choice(['nginx', 'apache'], {
    description: 'Web server in front of uWSGI',
    default: 'nginx',
    origin: 'httpd_conf_dir, httpd_confd_dir',
  }),
  installDir: o.path({
    description: 'Indico installation directory (venv, etc/, archive/, log/)',
    default: '/opt/indico',
    absolute: true,
    noParent: true,
    origin: 'indico_inst_dir, indico_conf_dirname',
  }),
  indicoUser: o.string({
    description: 'System user that runs uWSGI and Celery',
    default: 'indico',
    pattern: /^[a-z_][a-z0-9_-]{0,31}$/,
    patternText: 'a system user name (lower-case letters, digits, _ and -)',
  }),
  indicoVersion: o.string({
    description: 'Indico version to install with pip (a version or a PEP 440 specifier)',
    default: '~=3.3.0',
    pattern: /^(?:[=~!<>]=?\s*)?[0-9][0-9A-Za-z.*+!-]*(?:\s*,\s*[=~!<>]=?\s*[0-9][0-9A-Za-z.*+!-]*)*$/,
    patternText: 'a version like 3.3.8 or a specifier like ~=3.3.0',
  }),
  installIndico: o.boolean({
    description:
      'Install Python 3.12 and Indico with pip and prepare the database (false: the system stack only)',
    default: true,
  }),
  pythonVersion: o.string({
    description: 'Python version for the Indico venv (Indico 3.3 needs >=3.12.2,<3.13)',
    default: '3.12',
    // 3.12.0 and 3.12.1 would pass here and then be refused in the VM, after the packages are in.
    pattern: /^3\.12(?:\.(?:[2-9]|[1-9][0-9]+))?$/,
    patternText: '3.12 or a release from 3.12.2 on, such as 3.12.8 (Indico 3.3 needs >=3.12.2,<3.13)',
  }),
  pythonInstallMirror: o.url({
    description:
      "Mirror of the Python builds uv downloads where the distribution has no Python 3.12 (UV_PYTHON_INSTALL_MIRROR; empty: uv's default)",
    env: ['UV_PYTHON_INSTALL_MIRROR'],
    protocols: ['http:', 'https:', 'file:'],
  }),
  pipIndexUrl: o.url({ description: 'pip index URL (a mirror)', env: ['PIP_INDEX_URL'] }),
  pipExtraIndexUrl: o.url({ description: 'Extra pip index URL' }),
  pipFindLinks: o.path({
    description:
      'Directory of wheels on the VM for air-gapped installs (pip --find-links; alone, no index is asked)',
    absolute: true,
    noParent: true,
  }),
  pythonWheelhouse: o.string({
    description:
      'Wheels for pip where PyPI cannot be reached: a folder of wheels or a tarball of one (.tar, .tar.gz, .tgz, .tar.xz) sent over SSH, or an https:// URL of such a tarball fetched by the VM; pip then installs with --no-index --find-links',
    // http:// and other schemes would be taken for a relative path and fail later and less clearly.
    pattern: /^(?:https:\/\/\S+|(?![A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\n]+)$/,
    patternText:
      'a folder or tarball of wheels on this machine, or an https:// URL of a tarball (the wheels are code the VM runs: no http://)',
  }),
  dbName: o.string({
    description: 'PostgreSQL database for Indico',
    default: 'indico',
    pattern: /^[a-z_][a-z0-9_]{0,62}$/,
    patternText: 'a PostgreSQL identifier (lower-case letters, digits and _)',
    origin: 'db_inst_dir',
  }),
  dbUser: o.string({
    description: 'PostgreSQL role for Indico',
    default: 'indico',
    pattern: /^[a-z_][a-z0-9_]{0,62}$/,
    patternText: 'a PostgreSQL identifier (lower-case letters, digits and _)',
  }),
  dbPassword: o.secret({ description: 'PostgreSQL password', defaultText: 'generated per instance' }),
  redisHost: o.hostname({ description: 'Redis host', default: '127.0.0.1', origin: 'redis_host' }),
  redisPort: o.port({ description: 'Redis port', default: 6379, origin: 'redis_port' }),
  redisPassword: o.secret({
    description: 'Redis password',
    defaultText: 'generated per instance',
    origin: 'redis_pswd',
  }),
  secretKey: o.secret({ description: 'Indico SECRET_KEY', defaultText: 'generated per instance' }),
  sslCert: o.textBlock({
    description: 'TLS certificate (PEM text or a path to a PEM file)',
    defaultText: 'self-signed, generated per instance',
    origin: 'ssl_pem_path',
  }),
  sslKey: o.secret({
    description: 'TLS private key (PEM text or a path to a PEM file)',
    origin: 'ssl_key_path',
  }),
  sslChain: o.textBlock({ description: 'Intermediate certificates (PEM text or a path to a PEM file)' }),
  sslDir: o.path({
    description: 'Directory for the TLS certificate and key on the VM',
    default: '/etc/ssl/indico',
    absolute: true,
    noParent: true,
    origin: 'ssl_certs_dir, ssl_private_dir',
  }),
  firewall: o.choice(['auto', 'firewalld', 'nftables', 'ufw', 'none'], {
    description:
      'How to open the HTTP/HTTPS ports (auto: firewalld on EL, ufw or nftables on Debian/Ubuntu when present)',
    default: 'auto',
    origin: 'iptables_dir',
  }),
  smtpServer: o.hostname({ description: 'SMTP server', default: 'localhost' }),
  smtpPort: o.port({ description: 'SMTP port', default: 25 }),
  smtpLogin: o.string({ description: 'SMTP login', maxLength: 255 }),
  smtpPassword: o.secret({ description: 'SMTP password' }),
  smtpUseTls: o.boolean({ description: 'Use STARTTLS for SMTP', default: false }),
  supportEmail: o.email({ description: 'Support e-mail address', defaultText: 'root@<server-hostname>' }),
  noReplyEmail: o.email({ description: 'No-reply sender address', defaultText: 'noreply@<server-hostname>' }),
  timezone: o.string({
    description: 'Indico DEFAULT_TIMEZONE',
    default: 'UTC',
    pattern: /^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+){0,2}$/,
    patternText: 'a time zone name like Europe/Zurich',
  }),
  uwsgiProcesses: o.integer({
    description: 'uWSGI worker processes',
    default: 4,
    min: 1,
    max: 64,
    origin: 'WSGIDaemonProcess processes',
  }),
} satisfies o.OptionGroup;

"""The `config` task set (load-ssl, update-server, update-redis, update-smtp) written with Fabric 2,
as an admin would script it: the same files, the same edits, the same checks and restarts as
indicovm's manage, over one connection. Run with Debian's python3-fabric: /usr/bin/python3.

Input: one JSON object on stdin (host, port, user, key_file, host_key, install_dir, values).
Output: one JSON object on stdout: {"changed": [paths and services]}.
"""
import hashlib
import io
import json
import re
import shlex
import sys
import tempfile
import time
import urllib.parse

import paramiko
from fabric import Connection

cfg = json.load(sys.stdin)
v = cfg["values"]

known = tempfile.NamedTemporaryFile("w", suffix=".known_hosts", delete=False)
known.write("[%s]:%d %s\n" % (cfg["host"], cfg["port"], " ".join(cfg["host_key"].split()[:2])))
known.close()

c = Connection(
    cfg["host"],
    port=cfg["port"],
    user=cfg["user"],
    connect_kwargs={"key_filename": cfg["key_file"], "look_for_keys": False, "allow_agent": False},
)
c.client.load_host_keys(known.name)
c.client.set_missing_host_key_policy(paramiko.RejectPolicy())

changed = []


def sudo(cmd, **kw):
    return c.run("sudo -n " + cmd, hide=True, **kw)


def read(path):
    r = sudo("cat -- %s" % shlex.quote(path), warn=True)
    return r.stdout if r.ok else None


def stat(path):
    return sudo("stat -c '%%a %%U %%G' -- %s" % shlex.quote(path)).stdout.split()


# The control characters that Python's and Redis's quoting both spell as C does.
C_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def quoted(units, quote, escape_other):
    """units: (character, code) pairs; escape_other(code) is the escape of any other code, or None."""
    out = quote
    for ch, code in units:
        if ch in ("\\", quote):
            out += "\\" + ch
        elif ch in C_ESCAPES:
            out += C_ESCAPES[ch]
        else:
            escape = escape_other(code)
            out += ch if escape is None else escape
    return out + quote


def py_escape(o):
    if o < 0x20 or o == 0x7F:
        return "\\x%02x" % o
    if o in (0x2028, 0x2029, 0x85):
        return "\\u%04x" % o
    return None


def py_string(s):
    return quoted(((ch, ord(ch)) for ch in s), "'", py_escape)


def redis_string(s):
    # Byte by byte: Redis reads \xNN as one byte, so non-ASCII text goes as its UTF-8 bytes.
    return quoted(((chr(b), b) for b in s.encode()), '"', lambda b: "\\x%02x" % b if b < 0x20 or b >= 0x7F else None)


def set_setting(text, key, literal):
    line = "%s = %s" % (key, literal)
    pat = re.compile(r"^%s\s*=.*(?:\n[ \t)\]}].*)*" % key, re.M)
    if pat.search(text):
        done = []
        return pat.sub(lambda m: "" if done else (done.append(1) or line), text)
    return text + ("" if text.endswith("\n") or not text else "\n") + line + "\n"


def set_redis(text, name, value):
    line = "%s %s" % (name, value if re.match(r"^[A-Za-z0-9._:/-]+$", value) else redis_string(value))
    pat = re.compile(r"^\s*%s(\s.*)?$" % name, re.M | re.I)
    if pat.search(text):
        return pat.sub(lambda _m: line, text, count=1)
    return text + line + "\n"


def stage(path, content, mode=None, check=None):
    """Stage one file beside its target; returns (path, existed) or None when unchanged."""
    current = read(path)
    if current == content and (mode is None or stat(path)[0] == "%o" % mode):
        return None
    existed = current is not None
    m, u, g = stat(path) if existed else ("644", "root", "root")
    if mode is not None:
        m = "%o" % mode
    tmp = "/tmp/fab-%s" % hashlib.sha1(path.encode()).hexdigest()[:12]
    c.put(io.BytesIO(content.encode()), tmp)
    c.run("chmod 600 %s" % tmp, hide=True)
    sudo("install -m %s -o %s -g %s -- %s %s.new" % (m, u, g, tmp, shlex.quote(path)))
    c.run("rm -f %s" % tmp, hide=True)
    if check:
        check(path + ".new")
    return (path, existed)


def swap(staged, test=None):
    staged = [s for s in staged if s]
    for path, existed in staged:
        q = shlex.quote(path)
        if existed:
            sudo("cp -p -- %s %s.indicovm.bak" % (q, q))
        sudo("mv -f -- %s.new %s" % (q, q))
    if staged and test:
        r = sudo(test, warn=True)
        if not r.ok:
            for path, existed in staged:
                q = shlex.quote(path)
                sudo(("cp -p -- %s.indicovm.bak %s" % (q, q)) if existed else ("rm -f -- %s" % q))
            raise SystemExit("config test failed: " + r.stderr)
    changed.extend(p for p, _ in staged)
    return [p for p, _ in staged]


def py_check(path):
    sudo("python3 -c %s %s" % (shlex.quote("import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')"), path))


def served_fingerprint(port):
    r = c.run(
        "openssl s_client -connect 127.0.0.1:%d </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256" % port,
        hide=True,
        warn=True,
    )
    return r.stdout.strip().split("=")[-1]


def wait_served(port, fingerprint):
    for _ in range(120):
        if served_fingerprint(port) == fingerprint:
            return
        time.sleep(0.5)
    raise SystemExit("certificate not served on %d" % port)


def cert_fingerprint(pem):
    der = __import__("ssl").PEM_cert_to_DER_cert(pem)
    return ":".join("%02X" % b for b in hashlib.sha256(der).digest())


install = cfg["install_dir"]
conf, tmpl = install + "/etc/indico.conf", "/etc/indicovm/templates/indico.conf"
vhost_path = "/etc/nginx/conf.d/indico.conf"
firstboot = "/usr/local/sbin/indicovm-firstboot"
env = dict(l.split("=", 1) for l in read("/etc/indicovm/host.env").split())


def conf_files(settings):
    out = []
    for path in (conf, tmpl):
        text = read(path)
        if text is None:
            continue
        for k, lit in settings.items():
            text = set_setting(text, k, lit)
        out.append(stage(path, text, check=py_check))
    return out


def restart_running(units):
    sudo(
        "sh -c %s"
        % shlex.quote('for u in %s; do systemctl is-active --quiet "$u" && systemctl restart "$u" || true; done' % " ".join(units))
    )


indico_units = ["indico-uwsgi.service", "indico-celery.service", "indico-celery-beat.service"]

# load-ssl
vhost = read(vhost_path)
cert_path = re.search(r"^\s*ssl_certificate\s+(\S+);", vhost, re.M).group(1)
key_path = re.search(r"^\s*ssl_certificate_key\s+(\S+);", vhost, re.M).group(1)
fb = read(firstboot)
done = swap(
    [
        stage(cert_path, v["cert"], 0o644),
        stage(key_path, v["key"], 0o600),
        stage(firstboot, re.sub(r"^SELF_SIGNED=.*$", "SELF_SIGNED=no", fb, count=1, flags=re.M)),
    ],
    test="nginx -t -q",
)
if cert_path in done or key_path in done:
    sudo("systemctl reload-or-restart nginx")
    port = int(re.search(r"^\s*listen\s+(\d+)\s+ssl", vhost, re.M).group(1))
    wait_served(port, cert_fingerprint(v["cert"]))

# update-server
host, https, http = v["server_name"], v["https_port"], v["http_port"]
base = "https://%s%s" % (host, "" if https == 443 else ":%d" % https)
new_vhost = vhost
new_vhost = re.sub(r"^(\s*listen\s+(?:\[::\]:)?)\d+(\s+ssl\b.*)$", lambda m: m.group(1) + str(https) + m.group(2), new_vhost, flags=re.M)
new_vhost = re.sub(r"^(\s*listen\s+(?:\[::\]:)?)\d+(;.*)$", lambda m: m.group(1) + str(http) + m.group(2), new_vhost, flags=re.M)
new_vhost = re.sub(r"^(\s*server_name\s+)[^;]*;", lambda m: m.group(1) + host + ";", new_vhost, flags=re.M)
new_vhost = re.sub(r"^(\s*return\s+301\s+)https?://[^\s;$]+(\$request_uri;)", lambda m: m.group(1) + base + m.group(2), new_vhost, flags=re.M)
fb = read(firstboot)
done = swap(
    [stage(vhost_path, new_vhost)]
    + conf_files({"BASE_URL": py_string(base)})
    + [stage(firstboot, re.sub(r"^SERVER_NAME=.*$", "SERVER_NAME=" + shlex.quote(host), fb, count=1, flags=re.M))],
    test="nginx -t -q",
)
if vhost_path in done:
    sudo("systemctl reload-or-restart nginx")
    wait_served(https, served_fingerprint(https) or cert_fingerprint(read(cert_path)))
if conf in done:
    restart_running(indico_units)
sudo("sh -c %s" % shlex.quote("[ -f /etc/nftables.d/indicovm.nft ] || true"))

# update-redis
pw, rport = v["redis_password"], v["redis_port"]
drop_in = env.get("REDIS_DROP_IN", "/etc/redis/indico.conf")
redis_files = []
for path in (drop_in, "/etc/indicovm/templates/redis.conf"):
    text = read(path)
    if text is not None:
        redis_files.append(stage(path, set_redis(set_redis(text, "port", str(rport)), "requirepass", pw)))
url = "redis://:%s@127.0.0.1:%d" % (urllib.parse.quote(pw, safe="-._~"), rport)
done = swap(redis_files + conf_files({"CELERY_BROKER": py_string(url + "/0"), "REDIS_CACHE_URL": py_string(url + "/1")}))
if drop_in in done:
    sudo("systemctl restart " + env.get("REDIS_SERVICE", "redis-server"))
    # The password goes over stdin, never in a command line.
    script = "REDISCLI_AUTH=%s redis-cli -p %d --no-auth-warning ping\n" % (shlex.quote(pw), rport)
    c.run("sh -s", in_stream=io.StringIO(script), hide=True)
if conf in done:
    restart_running(indico_units)

# update-smtp
done = swap(
    conf_files(
        {
            "SMTP_SERVER": "(%s, %d)" % (py_string(v["smtp_server"]), v["smtp_port"]),
            "SMTP_USE_TLS": "True" if v["smtp_use_tls"] else "False",
            "SMTP_LOGIN": py_string(v["smtp_login"]),
            "SMTP_PASSWORD": py_string(v["smtp_password"]),
        }
    )
)
if done:
    restart_running(indico_units)

c.close()
print(json.dumps({"changed": changed}))

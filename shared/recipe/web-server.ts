import type { RecipeContext } from './context.js';
import { shellFile } from './sh-file.js';

/**
 * The web server in front of uWSGI, as Indico's production guides configure it: an HTTP server that
 * only redirects to BASE_URL, and the HTTPS server that serves static files itself and hands the rest
 * to the uWSGI socket (with X-Accel-Redirect / X-Sendfile for files Indico sends).
 */

/** ffdhe2048 from RFC 7919, which the guides use as ssl_dhparam (public, fixed parameters). */
export const FFDHE2048 = `-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
`;

const CIPHERS =
  'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384';

export function nginxVhost(ctx: RecipeContext): string {
  const { options: o, installDir: d } = ctx;
  return `# Indico behind nginx, written by indicovm (from Indico's production guide).
server {
  listen ${o.httpPort};
  listen [::]:${o.httpPort};
  server_name ${ctx.urlHost};
  return 301 ${ctx.baseUrl}$request_uri;
}

server {
  listen       ${o.httpsPort} ssl http2;
  listen       [::]:${o.httpsPort} ssl http2;
  server_name  ${ctx.urlHost};

  ssl_certificate           ${ctx.certPath};
  ssl_certificate_key       ${ctx.keyPath};
  ssl_dhparam               ${ctx.dhParamPath};

  ssl_session_timeout       1d;
  ssl_session_cache         shared:SSL:10m;
  ssl_session_tickets       off;
  ssl_protocols             TLSv1.2 TLSv1.3;
  ssl_ciphers               ${CIPHERS};
  ssl_prefer_server_ciphers off;

  access_log            ${d}/log/nginx/access.log combined;
  error_log             ${d}/log/nginx/error.log;

  if ($host != $server_name) {
    return 301 ${ctx.baseUrl}$request_uri;
  }

  location /.xsf/indico/ {
    internal;
    alias ${d}/;
    add_header Content-Security-Policy $upstream_http_content_security_policy;
    add_header Content-Security-Policy-Report-Only $upstream_http_content_security_policy_report_only;
  }

  location ~ ^/(images|fonts)(.*)/(.+?)(__v[0-9a-f]+)?\\.([^.]+)$ {
    alias ${d}/web/static/$1$2/$3.$5;
    access_log off;
  }

  location ~ ^/(css|dist|images|fonts)/(.*)$ {
    alias ${d}/web/static/$1/$2;
    access_log off;
  }

  location /robots.txt {
    alias ${d}/web/static/robots.txt;
    access_log off;
  }

  location / {
    root /var/empty/nginx;
    include /etc/nginx/uwsgi_params;
    uwsgi_pass unix:${d}/web/uwsgi.sock;
    uwsgi_param UWSGI_SCHEME $scheme;
    uwsgi_read_timeout 15m;
    uwsgi_buffers 32 32k;
    uwsgi_busy_buffers_size 128k;
    uwsgi_hide_header X-Sendfile;
    client_max_body_size 1G;
  }
}
`;
}

/** nginx_has_http2_directive and nginx_http2_filter (nginx-http2.sh says why and how). */
export const NGINX_HTTP2_SHELL = shellFile('nginx-http2.sh');

/** Apache needs `Listen` only for ports its stock configuration does not already listen on. */
function listenLines(ctx: RecipeContext): string {
  const lines: string[] = [];
  if (ctx.options.httpPort !== 80) lines.push(`Listen ${ctx.options.httpPort}`);
  if (ctx.options.httpsPort !== 443) lines.push(`Listen ${ctx.options.httpsPort} https`);
  return lines.length > 0 ? lines.join('\n') + '\n\n' : '';
}

export function apacheVhost(ctx: RecipeContext): string {
  const { options: o, installDir: d } = ctx;
  return `# Indico behind Apache, written by indicovm (from Indico's production guide).
${listenLines(ctx)}<VirtualHost *:${o.httpPort}>
    ServerName ${ctx.urlHost}
    RewriteEngine On
    RewriteRule ^(.*)$ ${ctx.baseUrl}$1 [R=301,L]
</VirtualHost>

<VirtualHost *:${o.httpsPort}>
    ServerName ${ctx.urlHost}
    DocumentRoot "/var/empty/apache"
    Protocols h2 http/1.1

    SSLEngine             on
    SSLCertificateFile    ${ctx.certPath}
    SSLCertificateKeyFile ${ctx.keyPath}

    SSLProtocol           all -SSLv3 -TLSv1 -TLSv1.1
    SSLCipherSuite        ${CIPHERS}
    SSLHonorCipherOrder   off
    SSLSessionTickets     off

    XSendFile on
    XSendFilePath ${d}
    CustomLog ${d}/log/apache/access.log combined
    ErrorLog ${d}/log/apache/error.log
    LogLevel error
    ServerSignature Off

    <If "%{HTTP_HOST} != '${ctx.urlHost}' && %{HTTP_HOST} != '${ctx.urlHost}:${o.httpsPort}'">
        Redirect 301 / ${ctx.baseUrl}/
    </If>

    AliasMatch "^/(images|fonts)(.*)/(.+?)(__v[0-9a-f]+)?\\.([^.]+)$" "${d}/web/static/$1$2/$3.$5"
    AliasMatch "^/(css|dist|images|fonts)/(.*)$" "${d}/web/static/$1/$2"
    Alias /robots.txt ${d}/web/static/robots.txt

    SetEnv UWSGI_SCHEME https
    ProxyPass / unix:${d}/web/uwsgi.sock|uwsgi://localhost/

    <Directory ${d}>
        AllowOverride None
        Require all granted
    </Directory>
</VirtualHost>
`;
}

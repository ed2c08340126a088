import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { buildSummary } from '../../../shared/image/manifest.js';
import { deploySummary } from '../../../shared/deploy/summary.js';
import { manageSummary, skippedRow, summaryRow } from '../../../shared/manage/summary.js';
import { markdownSection } from '../../../shared/report/markdown.js';
import type { SummarySection } from '../../../shared/report/reporter.js';

// The job summaries are Markdown that GitHub renders. A table with a stray `|`, a missing cell or a
// line break in a cell falls apart into a paragraph of pipes, so the sections are rendered here with
// a real Markdown renderer (Python-Markdown and its tables extension, Debian's python3-markdown) and
// the HTML is read back cell by cell.

const PYTHON = '/usr/bin/python3';

// Renders stdin and prints, as JSON, each heading and each table's header and body cells as text
// (<br> as a newline), and every element name that appears.
const RENDER = `
import json, sys
from html.parser import HTMLParser
import markdown

class Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self.headings, self.tags = [], [], set()
        self.cell = None
        self.heading = None
    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == 'table':
            self.tables.append({'header': [], 'rows': []})
        elif tag == 'tr' and self.tables:
            self.tables[-1]['rows'].append([])
        elif tag in ('th', 'td'):
            self.cell = (tag, [])
        elif tag == 'br' and self.cell:
            self.cell[1].append('\\n')
        elif tag in ('h1', 'h2', 'h3'):
            self.heading = []
    def handle_endtag(self, tag):
        if tag in ('th', 'td') and self.cell:
            text = ''.join(self.cell[1]).strip()
            if tag == 'th':
                self.tables[-1]['header'].append(text)
            else:
                self.tables[-1]['rows'][-1].append(text)
            self.cell = None
        elif tag in ('h1', 'h2', 'h3') and self.heading is not None:
            self.headings.append(''.join(self.heading))
            self.heading = None
    def handle_data(self, data):
        if self.cell:
            self.cell[1].append(data)
        if self.heading is not None:
            self.heading.append(data)

html = markdown.markdown(sys.stdin.read(), extensions=['tables'])
parser = Tables()
parser.feed(html)
for table in parser.tables:
    table['rows'] = [row for row in table['rows'] if row]
print(json.dumps({'html': html, 'headings': parser.headings, 'tables': parser.tables, 'tags': sorted(parser.tags)}))
`;

interface Rendered {
  html: string;
  headings: string[];
  tables: { header: string[]; rows: string[][] }[];
  tags: string[];
}

function render(markdown: string): Rendered {
  const result = spawnSync(PYTHON, ['-c', RENDER], { input: markdown, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(
      `${PYTHON} could not render Markdown (install the Debian package python3-markdown): ${result.stderr}`,
    );
  }
  return JSON.parse(result.stdout) as Rendered;
}

const count = (html: string, tag: string) => (html.match(new RegExp(`<${tag}[\\s>]`, 'g')) ?? []).length;

// Python-Markdown keeps the backslash before < and > only where CommonMark (GitHub) drops it: its set of
// escapable characters is smaller. The cell is still plain text either way, which is what matters.
const asPythonMarkdownShows = (text: string) => text.replace(/</g, '\\<');

const imageBuild: SummarySection = {
  heading: 'Image build',
  text: 'Base image debian-12-genericcloud-amd64.qcow2, accelerator kvm.',
  tables: [
    {
      header: ['Phase', 'Time'],
      rows: [
        ['download', '41.2 s'],
        ['provision', '12 min 3 s'],
      ],
    },
    {
      header: ['Image', 'Format', 'Size', 'SHA-256', 'Check'],
      rows: [
        ['indico_3.3.qcow2', 'qcow2', '1.1 GiB', 'a'.repeat(64), 'No errors were found on the image.'],
        ['indico_3.3.vmdk', 'vmdk', '2.4 GiB', 'b'.repeat(64), ''],
      ],
    },
  ],
};

const hostile: SummarySection = {
  heading: 'Manage',
  tables: [
    {
      header: ['Task | step', '*Changed*'],
      rows: [
        ['load-ssl', 'cert | key'],
        ['run', 'line one\nline two'],
        ['C:\\path\\', '`code` and _under_ and **bold**'],
        ['status'], // a short row is padded with empty cells
        ['backup', '<script>alert(1)</script>', 'an extra cell is dropped'],
      ],
    },
  ],
};

describe('job summaries render as real Markdown tables', () => {
  test('python3-markdown is there (the Debian package python3-markdown)', () => {
    const probe = spawnSync(PYTHON, ['-c', 'import markdown; print(markdown.__version__)'], {
      encoding: 'utf8',
    });
    expect(probe.stderr).toBe('');
    expect(probe.status).toBe(0);
  });

  test('a build summary: heading, text and two tables with every cell in place', () => {
    const out = render(markdownSection(imageBuild));
    expect(out.headings).toEqual(['Image build']);
    expect(count(out.html, 'table')).toBe(2);
    expect(count(out.html, 'th')).toBe(2 + 5);
    expect(count(out.html, 'td')).toBe(2 * 2 + 2 * 5);
    expect(out.tables).toEqual(imageBuild.tables!.map((t) => ({ header: t.header, rows: t.rows })));
    expect(out.html).toContain('<p>Base image debian-12-genericcloud-amd64.qcow2, accelerator kvm.</p>');
  });

  test('pipes, markup, backslashes, line breaks and HTML stay text inside their cells', () => {
    const out = render(markdownSection(hostile));
    expect(count(out.html, 'table')).toBe(1);
    expect(count(out.html, 'th')).toBe(2);
    expect(count(out.html, 'td')).toBe(5 * 2);
    expect(out.tables).toEqual([
      {
        header: ['Task | step', '*Changed*'],
        rows: [
          ['load-ssl', 'cert | key'],
          ['run', 'line one\nline two'],
          ['C:\\path\\', '`code` and _under_ and **bold**'],
          ['status', ''],
          ['backup', asPythonMarkdownShows('<script>alert(1)</script>')],
        ],
      },
    ]);
    // No markup came out of the cell text: only the table's own elements and the line break.
    expect(out.tags).toEqual(['br', 'h3', 'table', 'tbody', 'td', 'th', 'thead', 'tr']);
  });

  test('a section without tables is a heading and a paragraph', () => {
    const out = render(markdownSection({ heading: 'Deploy', text: 'Nothing was created.' }));
    expect(out.tables).toEqual([]);
    expect(out.html).toBe('<h3>Deploy</h3>\n<p>Nothing was created.</p>');
  });

  // The actions' own builders, not hand-made sections: what a job summary really shows.
  test("the build action's summary: phases and one row per image, hashes whole", () => {
    const section = buildSummary(
      {
        createdAt: new Date('2026-11-25T10:00:00Z'),
        base: {
          source: 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2',
          sha256: 'c'.repeat(64),
          format: 'qcow2',
          virtualSize: 2 * 1024 ** 3,
        },
        accelerator: 'kvm',
        timings: { download: 41_200, boot: 38_000, provision: 723_000, convert: 95_000 },
        settings: {},
        images: [
          {
            format: 'qcow2',
            file: 'indico.qcow2',
            path: '/o/indico.qcow2',
            size: 1.1 * 1024 ** 3,
            sha256: 'a'.repeat(64),
            check: 'no errors',
          },
          {
            format: 'vmdk',
            file: 'indico.vmdk',
            path: '/o/indico.vmdk',
            size: 2.4 * 1024 ** 3,
            sha256: 'b'.repeat(64),
            check: 'no errors',
          },
        ],
        verify: { hostKeyChanged: true, machineIdChanged: true, buildUserGone: true, httpsStatus: 302 },
      },
      'indico',
    );
    const out = render(markdownSection(section));
    expect(out.headings).toEqual(['indicovm build-image: indico']);
    expect(out.tables).toEqual([
      {
        header: ['Phase', 'Time'],
        rows: [
          ['download', expect.stringMatching(/^41(\.2)? s$/)],
          ['boot', expect.stringMatching(/^38(\.0)? s$/)],
          ['provision', expect.stringMatching(/^12 min 3 s$/)],
          ['convert', expect.stringMatching(/^1 min 35(\.5)? s$/)],
        ],
      },
      {
        header: ['Image', 'Format', 'Size', 'SHA-256', 'Check'],
        rows: [
          ['indico.qcow2', 'qcow2', '1.1 GiB', 'a'.repeat(64), 'no errors'],
          ['indico.vmdk', 'vmdk', '2.4 GiB', 'b'.repeat(64), 'no errors'],
        ],
      },
    ]);
    expect(out.html).toContain('HTTPS status 302');
  });

  test("the deploy action's summary: one row per thing created or removed", () => {
    const server = { id: 'srv-1', name: 'indico-test', status: 'ACTIVE' };
    const section = deploySummary({
      file: { path: '/w/indico.qcow2', size: 1024 ** 3, origin: 'artifact indico-image: indico.qcow2' },
      placed: {
        image: { id: 'img-1', name: 'indico-42', status: 'active', created_at: '2026-11-25T10:00:00Z' },
        uploaded: true,
        digests: { sha512: 'f'.repeat(128), size: 1024 ** 3 },
        diskFormat: 'qcow2',
        method: 'direct',
        durationMs: 4200,
      },
      booted: {
        server,
        flavorName: 'm2.medium',
        address: '192.168.1.5',
        hostKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJTkNuS/FLIZH+MwekZD+d1JC78mfcQfEqrZOI4kK3TM'],
        floatingIp: {
          id: 'fip-1',
          floating_ip_address: '172.24.4.10',
          floating_network_id: 'net-1',
          port_id: 'p-1',
        },
        replaced: [{ id: 'srv-0', name: 'indico-test', status: 'ACTIVE' }],
        bootMs: 31_000,
      },
      rotated: [{ id: 'img-0', name: 'indico-39', status: 'active', created_at: '2026-10-01T10:00:00Z' }],
      totalMs: 62_000,
    });
    const out = render(markdownSection(section));
    expect(out.headings).toEqual(['indicovm deploy: indico-test']);
    expect(out.tables).toHaveLength(1);
    const [table] = out.tables;
    expect(table!.header).toEqual(['What', 'Name', 'ID', 'Details']);
    expect(table!.rows.map((row) => row.slice(0, 3))).toEqual([
      ['Image uploaded', 'indico-42', 'img-1'],
      ['Server', 'indico-test', 'srv-1'],
      ['Floating IP', '172.24.4.10', 'fip-1'],
      ['Server replaced (deleted)', 'indico-test', 'srv-0'],
      ['Older image deleted (keep-images)', 'indico-39', 'img-0'],
      // What `ssh-keygen -lf` prints for that key, so it can be compared with ssh's first-contact prompt.
      ['SSH host key', 'ssh-ed25519', 'SHA256:QVKq/uAGwev3oxpGcpWfhVTOFBcwQJN10vYolhp3Yyc'],
    ]);
    expect(table!.rows.every((row) => row.length === 4)).toBe(true);
    expect(table!.rows[0]![3]).toContain(`SHA-512 ${'f'.repeat(128)}`);
    expect(out.html).toContain('1 SSH host key(s) read from the console log.');
  });

  test("the manage action's summary: a task per row, several changes in one cell, a failure's first line", () => {
    const rows = [
      summaryRow('load-ssl', {
        changed: ['/etc/ssl/indico/indico.crt', '/etc/ssl/indico/indico.key'],
        note: 'nginx reloaded',
      }),
      summaryRow('update-server', { changed: [], note: 'already as asked' }),
      summaryRow(
        'update-redis',
        undefined,
        new Error('the restart of redis-server failed | port 22\nmore detail'),
      ),
      skippedRow('restart', 'update-redis'),
    ];
    const out = render(markdownSection(manageSummary('debian@203.0.113.7:22', rows)));
    expect(out.headings).toEqual(['indicovm manage: debian@203.0.113.7:22']);
    expect(out.tables).toEqual([
      {
        header: ['Task', 'Changed', 'Result'],
        rows: [
          ['load-ssl', '/etc/ssl/indico/indico.crt\n/etc/ssl/indico/indico.key', 'nginx reloaded'],
          ['update-server', 'unchanged', 'already as asked'],
          ['update-redis', 'failed', 'the restart of redis-server failed | port 22'],
          ['restart', 'skipped', "not run: 'update-redis' failed before it"],
        ],
      },
    ]);
  });
});

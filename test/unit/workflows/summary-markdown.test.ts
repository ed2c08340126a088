import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
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
});

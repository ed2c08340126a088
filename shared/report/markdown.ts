import type { SummarySection, SummaryTable } from './reporter.js';

/** Escapes what would break a Markdown table cell or turn text into markup. */
export function escapeCell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/([*_`<>])/g, '\\$1')
    .replace(/\r?\n/g, '<br>');
}

export function markdownTable(table: SummaryTable): string {
  const width = table.header.length;
  const row = (cells: readonly string[]): string => {
    const padded = [...cells, ...Array<string>(Math.max(0, width - cells.length)).fill('')].slice(0, width);
    return `| ${padded.map(escapeCell).join(' | ')} |`;
  };
  return [row(table.header), `|${' --- |'.repeat(width)}`, ...table.rows.map(row)].join('\n');
}

export function markdownSection(section: SummarySection): string {
  const parts = [`### ${section.heading}`];
  if (section.text) {
    parts.push(section.text);
  }
  for (const table of section.tables ?? []) {
    parts.push(markdownTable(table));
  }
  return parts.join('\n\n') + '\n';
}

import { describe, expect, it } from '@jest/globals';
import { TerminalReporter } from '../../../shared/report/terminal.js';
import { Secret } from '../../../shared/secret.js';

function terminal(): { reporter: TerminalReporter; lines: string[] } {
  const lines: string[] = [];
  return { reporter: new TerminalReporter({ write: (line) => lines.push(line) }), lines };
}

describe('TerminalReporter.relay', () => {
  it("shows a guest's text without the escapes that would reprogram the user's terminal", () => {
    const { reporter, lines } = terminal();
    reporter.relay(
      '\x1b[31mred\x1b[0m\tcolumn\r\n' + // colour and a CRLF
        '\x1b]0;owned title\x07after-title\n' + // window title (OSC, BEL-terminated)
        '\x1b]8;;http://127.0.0.1/\x1b\\link\x1b]8;;\x1b\\\n' + // hyperlink (OSC, ST-terminated)
        'bell\x07 back\x08space \x1bcreset \x9bcsi',
    );
    expect(lines).toEqual(['red\tcolumn', 'after-title', 'link', 'bell backspace reset csi']);
  });

  it('masks secrets in relayed text as in its own lines', () => {
    const { reporter, lines } = terminal();
    const password = new Secret('relayed-secret-value');
    reporter.relay(`the guest printed ${password.reveal()}`);
    expect(lines.join('\n')).not.toContain('relayed-secret-value');
  });
});

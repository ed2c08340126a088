/**
 * Hostile option values for the injection tests: shell metacharacters, quoting breakers, option
 * smuggling, path traversal, control characters, look-alike characters and sizes no real setting has.
 * Every value that could run a command runs `touch <canary>`, so a single created file proves an injection.
 */
export function hostileValues(canary: string): readonly { readonly label: string; readonly value: string }[] {
  const values: [string, string][] = [
    ['command substitution', `$(touch ${canary})`],
    ['backticks', `\`touch ${canary}\``],
    ['semicolon', `x; touch ${canary}`],
    ['and-and', `x && touch ${canary}`],
    ['or-or', `x || touch ${canary}`],
    ['pipe', `x | touch ${canary}`],
    ['background', `x & touch ${canary}`],
    ['single quote break-out', `x'; touch ${canary}; '`],
    ['double quote break-out', `x"; touch ${canary}; "`],
    ['newline', `x\ntouch ${canary}`],
    ['CRLF', `x\r\ntouch ${canary}`],
    ['carriage return', `x\rtouch ${canary}`],
    ['NUL byte', `x\u0000; touch ${canary}`],
    ['percent-encoded NUL', `x%00; touch ${canary}`],
    ['dot-dot path', '../../../../etc/passwd'],
    ['absolute dot-dot path', '/opt/indico/../../etc/shadow'],
    ['ssh option smuggling', `-oProxyCommand=touch ${canary}`],
    ['leading dash', '--help'],
    ['fullwidth semicolon', `x\uff1b touch ${canary}`],
    ['Cyrillic a in a host name', 'ex\u0430mple.org'],
    ['right-to-left override', 'example\u202egro.'],
    ['zero-width space', 'exa\u200bmple.org'],
    ['over-long string', 'a'.repeat(70_000)],
    ['over-long host label', `${'a'.repeat(64)}.example.org`],
    ['glob star', '/etc/*'],
    ['glob question and bracket', '/etc/pass?d[0-9]'],
    ['brace expansion', `{a,b}$(touch ${canary})`],
    ['dollar variable', '$HOME${PATH}'],
    ['redirection', `x > ${canary}`],
    ['here-document marker', `x\nINDICOVM_EOF\ntouch ${canary}\n`],
    ['tab and escapes', 'x\t\\n\\x41\\\\'],
    ['heredoc-ish quote', `'EOF'\ntouch ${canary}`],
    ['URL with shell', `https://example.org/$(touch ${canary})`],
    ['URL with credentials and CRLF', 'https://user:pw@example.org/\r\nX-Injected: 1'],
    ['e-mail with shell', `a$(touch ${canary})@example.org`],
    ['key=value with shell', `k=$(touch ${canary})`],
    ['list with shell', `a,b;touch ${canary},c`],
    ['negative number', '-1'],
    ['huge number', '99999999999999999999999'],
    ['number with suffix', '22; touch x'],
    ['empty-looking whitespace', '   '],
    ['unicode digits', '\u0661\u0662'],
    ['ANSI escape', '\u001b[31mred\u001b[0m'],
    ['workflow command', `::add-mask::x\n::set-output name=a::${canary}`],
  ];
  return values.map(([label, value]) => ({ label, value }));
}

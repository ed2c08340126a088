/**
 * Files embedded in the provisioning script as quoted here-documents, so one script carries
 * everything (the same text runs over SSH and from cloud-init user-data). A quoted delimiter means the
 * shell expands nothing inside: the content arrives byte for byte.
 */
export function hereDocument(content: string): { readonly delimiter: string; readonly body: string } {
  const body = content.endsWith('\n') ? content : `${content}\n`;
  const lines = new Set(body.split('\n'));
  let delimiter = 'INDICOVM_EOF';
  for (let n = 1; lines.has(delimiter); n += 1) {
    delimiter = `INDICOVM_EOF_${n}`;
  }
  return { delimiter, body };
}

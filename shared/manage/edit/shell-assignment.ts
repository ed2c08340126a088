import { quote } from '../../shell/quote.js';

/**
 * The first-boot script (/usr/local/sbin/indicovm-firstboot) keeps a few facts as `NAME=value` lines
 * at its top (SERVER_NAME for the self-signed certificate, SELF_SIGNED). Changing them keeps a later
 * `indicovm-firstboot regenerate|apply` in line with what manage changed.
 */
export function setShellAssignment(text: string, name: string, value: string): string {
  const pattern = new RegExp(`^${name}=.*$`, 'm');
  if (!pattern.test(text)) {
    return text; // not a recipe-written script (or an older one): leave it alone
  }
  return text.replace(pattern, `${name}=${quote(value)}`);
}

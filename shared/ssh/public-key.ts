/**
 * SSH public keys as OpenSSH writes them (`type base64 [comment]`), checked the one way every reader
 * of keys here needs: the pinned host keys, the keys cloud-init prints to a console, the keys we make.
 * A key counts only when its type is known, its base64 decodes to a blob that names the same type,
 * and the blob holds exactly the fields that type has (a key cut short by interleaved console output,
 * or pasted in part, is not a key).
 */

/** Each key type and how many length-prefixed fields its blob holds, its type name included. */
const FIELDS: Readonly<Record<string, number>> = {
  'ssh-ed25519': 2,
  'ssh-ed448': 2,
  'ssh-rsa': 3,
  'ssh-dss': 5,
  'ecdsa-sha2-nistp256': 3,
  'ecdsa-sha2-nistp384': 3,
  'ecdsa-sha2-nistp521': 3,
  'sk-ssh-ed25519@openssh.com': 3,
  'sk-ecdsa-sha2-nistp256@openssh.com': 4,
};

export const PUBLIC_KEY_TYPES: readonly string[] = Object.keys(FIELDS);

/** `type base64` anywhere in a line (for console text), the type and the base64 as groups 1 and 2. */
export const PUBLIC_KEY_IN_TEXT = new RegExp(
  `(${PUBLIC_KEY_TYPES.map((type) => type.replace(/[.@-]/g, '\\$&')).join('|')})\\s+([A-Za-z0-9+/]+={0,2})(?=\\s|$)`,
);

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The SSH wire-format strings of a blob, or undefined unless they use up the blob exactly. */
export function wireFields(blob: Buffer): Buffer[] | undefined {
  const fields: Buffer[] = [];
  let offset = 0;
  while (offset < blob.length) {
    if (offset + 4 > blob.length) return undefined;
    const length = blob.readUInt32BE(offset);
    if (offset + 4 + length > blob.length) return undefined;
    fields.push(blob.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return fields;
}

/** The blob of `type base64` when it is a whole key of that type, else undefined. */
export function publicKeyBlob(type: string | undefined, data: string | undefined): Buffer | undefined {
  if (type === undefined || data === undefined || FIELDS[type] === undefined || !BASE64.test(data)) {
    return undefined;
  }
  const blob = Buffer.from(data, 'base64');
  const fields = wireFields(blob);
  return fields?.length === FIELDS[type] && fields[0]!.toString('latin1') === type ? blob : undefined;
}

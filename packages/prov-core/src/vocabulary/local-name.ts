/** Names as the local parts of qualified names (shared by the vocabulary's modules). */

/**
 * A name as the local part of a qualified name: letters, digits, `_` and `-` stay, everything else is
 * percent-encoded (PROV-N allows %XX in local names), so ids never contain `:` or end in a dot.
 */
export function localName(name: string): string {
  let out = '';
  for (const char of name) {
    out += /[A-Za-z0-9_-]/.test(char) ? char : [...Buffer.from(char, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

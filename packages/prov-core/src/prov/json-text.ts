/**
 * JSON text as PROV-JSON files hold it: python's json module writes bare NaN / Infinity tokens by
 * default, which JSON.parse rejects, and the original yProvML's files have them.
 */

/** JSON.parse, plus the bare NaN / Infinity / -Infinity tokens python's json module writes by default. */
export function parseJsonText(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (error) {
    const repaired = quoteNonFiniteTokens(body);
    if (repaired === null) throw error;
    try {
      return JSON.parse(repaired);
    } catch {
      throw error;
    }
  }
}

const NON_FINITE_TOKENS: readonly (readonly [string, string])[] = [['-Infinity', '"-INF"'], ['Infinity', '"INF"'], ['NaN', '"NaN"']];

/** Rewrites bare non-finite tokens outside strings as xsd:double lexical strings; null if there were none. */
function quoteNonFiniteTokens(text: string): string | null {
  let out = '';
  let copiedUpTo = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    const token = NON_FINITE_TOKENS.find(([bare]) => text.startsWith(bare, i));
    if (token !== undefined) {
      out += text.slice(copiedUpTo, i) + token[1];
      i += token[0].length - 1;
      copiedUpTo = i + 1;
    }
  }
  return copiedUpTo === 0 ? null : out + text.slice(copiedUpTo);
}

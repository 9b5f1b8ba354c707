/**
 * Control characters: C0 (U+0000–U+001F), DEL and C1 (U+007F–U+009F). ESC (U+001B) and CSI
 * (U+009B) start terminal escape sequences, so these cover every such sequence. The policy refuses
 * them in its strings; the renderers escape them in what they print.
 */
export function isControlCharacter(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

/** The first control character of `text`: its UTF-16 index and code point. */
export function findControlCharacter(text: string): { readonly index: number; readonly code: number } | undefined {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (isControlCharacter(code)) return { index, code };
  }
  return undefined;
}

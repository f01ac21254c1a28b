/**
 * What the log must never show, masked: `user:password@` in URLs, Authorization header values, and
 * each registered secret (a password, a token) wherever it appears. Pure, for the unit tests.
 */
export function redact(text: string, secrets: Iterable<string> = []): string {
  // Any userinfo, not only `user:password`: a lone `token@` is as secret.
  let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@?#]+@/gi, '$1***@');
  out = out.replace(/(authorization:\s*)(basic|bearer)\s+\S+/gi, '$1$2 ***');
  // Longest first, so a secret that contains another is masked whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join('***');
  return out;
}

/** Secrets shorter than this are not registered: masking "a" or "ab" would shred every line. */
export const MIN_SECRET_LENGTH = 4;

// test/run.mjs's --grep, as the mocha of every tier (CLI and the extension host's Mocha) is given it.

/**
 * The pattern after `--grep`, skipping a `-i` written out of habit from grep(1) (`--grep -i "compare traces"`):
 * the match is case-insensitive anyway, and a `-i` handed on to mocha would mean `--invert`.
 * Undefined when there is no --grep; throws when --grep has no pattern.
 */
export function grepPattern(args) {
  const at = args.indexOf('--grep');
  if (at < 0) return undefined;
  const pattern = args.slice(at + 1).find((a) => a !== '-i');
  if (pattern === undefined || pattern === '' || pattern.startsWith('--')) throw new Error('--grep needs a pattern: --grep "compare traces"');
  return pattern;
}

/**
 * The pattern as mocha's `/source/flags` form (Mocha#grep parses a string of that form into a RegExp with
 * those flags; any other string is the RegExp's source as it is), so that titles match whatever their case.
 * The pattern is a regular expression's source, as before: `--grep "trace(s)? panel"`.
 */
export function mochaGrep(pattern) {
  return `/${pattern}/i`;
}

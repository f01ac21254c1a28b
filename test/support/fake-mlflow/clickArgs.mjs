/**
 * Command-line parsing that behaves like Click 8 (which the real `mlflow` uses), driven by the option
 * tables in cliSpec.json: same option spellings, same `--name=value` / `-Pk=v` forms, same error text and
 * exit code 2. Tests of the extension's argv builders lean on this being strict.
 */

export class UsageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Parses `args` for one command page of cliSpec.json.
 * Returns { values: Map<canonicalName, string | string[] | boolean>, positionals: string[], help: boolean }.
 */
export function parseCommandArgs(page, args) {
  const byName = new Map();
  for (const option of page.options) for (const name of option.names) byName.set(name, option);
  const longNames = page.options.flatMap((option) => option.names.filter((name) => !isShort(name)));
  const occurrences = [];
  const positionals = [];
  const rest = [...args];

  const takeValue = (name, option) => {
    if (rest.length === 0) throw new UsageError(`Option '${name}' requires an argument.`);
    occurrences.push({ option, name, value: rest.shift() });
  };

  while (rest.length > 0) {
    const arg = rest.shift();
    if (arg === '--') {
      positionals.push(...rest.splice(0));
      break;
    }
    if (!arg.startsWith('-') || arg.length === 1) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const longName = eq >= 0 ? arg.slice(0, eq) : arg;
    const longOption = !isShort(longName) ? byName.get(longName) : undefined;
    if (longOption) {
      if (longOption.metavar !== undefined) {
        if (eq >= 0) rest.unshift(arg.slice(eq + 1));
        takeValue(longName, longOption);
      } else if (eq >= 0) {
        throw new UsageError(`Option '${longName}' does not take a value.`);
      } else {
        occurrences.push({ option: longOption, name: longName, value: true });
      }
      continue;
    }
    if (arg.startsWith('--')) throw new UsageError(noSuchOption(longName, closeMatches(longName, longNames)));
    // Short options, possibly clustered (-Pk=v): the rest of the token is the value of the first that takes one.
    for (let i = 1; i < arg.length; i++) {
      const name = `-${arg[i]}`;
      const option = byName.get(name);
      if (!option) throw new UsageError(noSuchOption(name, []));
      if (option.metavar === undefined) {
        occurrences.push({ option, name, value: true });
        continue;
      }
      if (i + 1 < arg.length) rest.unshift(arg.slice(i + 1));
      takeValue(name, option);
      break;
    }
  }

  const help = occurrences.some((o) => o.option.names.includes('--help'));
  if (help) return { values: new Map(), positionals, help };

  const values = new Map();
  for (const { option, name, value } of occurrences) {
    const key = canonical(option);
    if (value === true) {
      // A `--x / --no-x` pair: the spelling used decides the value.
      values.set(key, option.names.length > 1 && !isShort(option.names[1]) ? name === option.names[0] : true);
      continue;
    }
    checkType(option, value);
    if (option.metavar === 'NAME=VALUE') values.set(key, [...(values.get(key) ?? []), value]);
    else values.set(key, value);
  }
  for (const option of page.options) {
    if (option.required && !values.has(canonical(option))) {
      throw new UsageError(`Missing option ${errorHint(option)}.`);
    }
  }
  const expected = page.arguments.length;
  for (let i = positionals.length; i < expected; i++) throw new UsageError(`Missing argument '${page.arguments[i]}'.`);
  const extra = positionals.slice(expected);
  if (extra.length > 0) {
    throw new UsageError(`Got unexpected extra argument${extra.length > 1 ? 's' : ''} (${extra.join(' ')})`);
  }
  return { values, positionals, help: false };
}

function checkType(option, value) {
  if (option.metavar === 'INTEGER' || option.metavar === 'INTEGER RANGE') {
    if (!/^\s*[+-]?\d[\d_]*\s*$/.test(value)) {
      throw new UsageError(`Invalid value for ${errorHint(option)}: '${value}' is not a valid integer.`);
    }
    const number = Number(value.replace(/_/g, ''));
    if (option.min !== undefined && (number < option.min || number > option.max)) {
      throw new UsageError(`Invalid value for ${errorHint(option)}: ${number} is not in the range ${option.min}<=x<=${option.max}.`);
    }
  }
  if (option.choices && !option.choices.includes(value)) {
    const listed = option.choices.map((choice) => `'${choice}'`).join(', ');
    const expectation = option.choices.length === 1 ? `is not ${listed}` : `is not one of ${listed}`;
    throw new UsageError(`Invalid value for ${errorHint(option)}: '${value}' ${expectation}.`);
  }
}

/** The key values are stored under: the long name without dashes, as Click names the parameter. */
export function canonical(option) {
  const long = option.names.find((name) => name.startsWith('--')) ?? option.names[0];
  return long.replace(/^-+/, '').replace(/-/g, '_');
}

function isShort(name) {
  return /^-[^-]$/.test(name);
}

// MLflow declares options long name first (click.option("--port", "-p")), and Click's hints keep that order.
function errorHint(option) {
  const ordered = [...option.names.filter((name) => !isShort(name)), ...option.names.filter(isShort)];
  return ordered.map((name) => `'${name}'`).join(' / ');
}

function noSuchOption(name, possibilities) {
  const message = `No such option: ${name}`;
  if (possibilities.length === 0) return message;
  const listed = [...possibilities].sort().join(', ');
  return possibilities.length === 1 ? `${message} Did you mean ${listed}?` : `${message} (Possible options: ${listed})`;
}

/** Python's difflib.get_close_matches(word, possibilities) with its defaults (n=3, cutoff=0.6). */
export function closeMatches(word, possibilities, n = 3, cutoff = 0.6) {
  const scored = possibilities
    .map((candidate) => ({ candidate, score: sequenceRatio(candidate, word) }))
    .filter(({ score }) => score >= cutoff);
  // heapq.nlargest on (score, candidate) tuples: ties go to the larger string.
  scored.sort((x, y) => y.score - x.score || (y.candidate > x.candidate ? 1 : y.candidate < x.candidate ? -1 : 0));
  return scored.slice(0, n).map(({ candidate }) => candidate);
}

/** difflib.SequenceMatcher(None, a, b).ratio() for short strings (no autojunk below 200 characters). */
export function sequenceRatio(a, b) {
  const positions = new Map();
  [...b].forEach((ch, j) => positions.set(ch, [...(positions.get(ch) ?? []), j]));
  let matched = 0;
  const queue = [[0, a.length, 0, b.length]];
  while (queue.length > 0) {
    const [alo, ahi, blo, bhi] = queue.pop();
    const [i, j, k] = longestMatch(a, positions, alo, ahi, blo, bhi);
    if (k === 0) continue;
    matched += k;
    if (alo < i && blo < j) queue.push([alo, i, blo, j]);
    if (i + k < ahi && j + k < bhi) queue.push([i + k, ahi, j + k, bhi]);
  }
  const total = a.length + b.length;
  return total === 0 ? 1 : (2 * matched) / total;
}

function longestMatch(a, positions, alo, ahi, blo, bhi) {
  let best = [alo, blo, 0];
  let lengths = new Map();
  for (let i = alo; i < ahi; i++) {
    const next = new Map();
    for (const j of positions.get(a[i]) ?? []) {
      if (j < blo) continue;
      if (j >= bhi) break;
      const k = (lengths.get(j - 1) ?? 0) + 1;
      next.set(j, k);
      if (k > best[2]) best = [i - k + 1, j - k + 1, k];
    }
    lengths = next;
  }
  return best;
}

/** Click's error block, printed to stderr before exiting with 2. */
export function usageErrorText(usage, commandPath, message) {
  return `Usage: ${usage}\nTry '${commandPath} --help' for help.\n\nError: ${message}\n`;
}

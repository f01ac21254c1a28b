/**
 * Output in the shapes the real processes print (test/fixtures/cli/mlflow-VERSION/output-*.log): MLflow's logging
 * format, gunicorn's (2.x servers) and uvicorn's (3.x servers). Everything goes to stderr, as there.
 */

const pad = (n, width = 2) => String(n).padStart(width, '0');

/** MLflow's `%Y/%m/%d %H:%M:%S` (local time). */
export function mlflowTimestamp(date = new Date()) {
  return `${date.getFullYear()}/${pad(date.getMonth() + 1)}/${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** gunicorn's `[%Y-%m-%d %H:%M:%S %z]`, in UTC as on the machine the captures came from. */
export function gunicornTimestamp(date = new Date()) {
  return `[${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000]`;
}

export function writeErr(line) {
  process.stderr.write(`${line}\n`);
}

export function logMlflow(level, logger, message) {
  writeErr(`${mlflowTimestamp()} ${level} ${logger}: ${message}`);
}

export function logGunicorn(pid, level, message) {
  writeErr(`${gunicornTimestamp()} [${pid}] [${level}] ${message}`);
}

/** uvicorn pads the level to 9 columns (`INFO:     `, `ERROR:    `). */
export function logUvicorn(level, message, { timestamped = false } = {}) {
  const prefix = `${level}:`.padEnd(10, ' ');
  writeErr(`${timestamped ? `${mlflowTimestamp()} ` : ''}${prefix}${message}`);
}

/** Python's repr of a list of strings, as MLflow puts into its messages (`['a', 'b']`). */
export function pythonList(items) {
  return `[${items.map((item) => pythonStr(item)).join(', ')}]`;
}

function pythonStr(value) {
  const text = String(value);
  if (text.includes("'") && !text.includes('"')) return `"${text}"`;
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** The end of a Python traceback for an exception MLflow raises outside Click's error handling (exit 1). */
export function pythonException(type, message) {
  writeErr('Traceback (most recent call last):');
  writeErr('  File "<fake-mlflow>", line 1, in <module>');
  writeErr(`${type}: ${message}`);
}

/** Python's shlex.quote, which MLflow applies to parameter values. */
export function shlexQuote(value) {
  if (value === '') return "''";
  if (!/[^A-Za-z0-9_@%+=:,./-]/.test(value)) return value;
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}

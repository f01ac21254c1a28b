/**
 * A server URI as typed may carry credentials (`https://user:pass@host`). They belong in SecretStorage,
 * never in the `mlflow.servers` setting (settings.json is plain text, often synced or committed).
 * Pure: the caller stores what is split off.
 */
import type { HttpAuth } from '../../mlflow/http';

export interface SplitUri {
  /** The URI as typed, minus its userinfo; unchanged when there was none or it is not http(s). */
  readonly uri: string;
  /** Basic auth from the userinfo, decoded as MLflow's client decodes it. */
  readonly credentials?: Extract<HttpAuth, { kind: 'basic' }>;
}

export function splitUserinfo(typed: string): SplitUri {
  const text = typed.trim();
  const match = /^(https?:\/\/)([^/?#]*)@([^/?#]*)(.*)$/is.exec(text);
  if (!match) return { uri: text };
  const [, scheme, userinfo, host, rest] = match;
  if (!host) return { uri: text };
  const colon = userinfo.indexOf(':');
  const decode = (part: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  };
  const username = decode(colon < 0 ? userinfo : userinfo.slice(0, colon));
  const password = decode(colon < 0 ? '' : userinfo.slice(colon + 1));
  return { uri: `${scheme}${host}${rest}`, credentials: { kind: 'basic', username, password } };
}

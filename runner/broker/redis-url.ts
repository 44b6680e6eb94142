// The broker's address. Users give one URL (`redis://`, or `rediss://` for TLS, with an optional
// user and password: ElastiCache's AUTH token); this turns it into ioredis options and into a
// form that is safe to print: a password must never reach a log line or an error message.
import { isIP } from 'node:net';

export const REDIS_URL_ENV = 'BITBENCH_REDIS_URL';

export class RedisUrlError extends Error {
  override name = 'RedisUrlError';
  readonly code = 'ERR_BITBENCH_REDIS_URL';
}

/** The URL with any password replaced by `***` (and nothing else changed). */
export function redactRedisUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.host !== '') {
      if (url.password) url.password = '***';
      return url.toString();
    }
  } catch {
    // not a URL: below
  }
  // Something URL-like that does not parse: whatever precedes the last '@' may hold a password.
  const at = text.lastIndexOf('@');
  if (at < 0) return text;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(text)?.[0] ?? '';
  return `${scheme}***${text.slice(at)}`;
}

/** Hides the broker's password (as given and percent-encoded) wherever a message repeats it. */
export function redactSecrets(message: string, address: BrokerAddress): string {
  const password = address.options.password;
  if (!password || password.length < 3) return message;
  let out = message;
  for (const form of new Set([password, encodeURIComponent(password)])) out = out.split(form).join('***');
  return out;
}

function decodeCredential(value: string, what: string, field: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new RedisUrlError(`${field}: the ${what} in the URL is not valid percent-encoding (write % as %25)`);
  }
}

/** What both ioredis and BullMQ take as connection options. */
export interface BrokerConnectionOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: { servername?: string };
  maxRetriesPerRequest: null;
}

export interface BrokerAddress {
  /** For messages: the URL with the password hidden. */
  display: string;
  options: BrokerConnectionOptions;
}

/**
 * ioredis options for `redis://[user][:password]@host[:port][/db]` or `rediss://...` (TLS,
 * server name checked). `maxRetriesPerRequest: null` is what BullMQ's production guide asks of
 * workers: a command waits for the reconnect instead of failing after 20 tries.
 */
export function parseRedisUrl(text: string, field = '--redis'): BrokerAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RedisUrlError(`${field}: expected a URL like redis://host:6379 or rediss://:PASSWORD@host:6379 but received '${redactRedisUrl(text)}'`);
  }
  const display = redactRedisUrl(text);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new RedisUrlError(`${field}: expected a redis:// or rediss:// URL but received '${display}'`);
  }
  if (!url.hostname) throw new RedisUrlError(`${field}: expected a host in '${display}'`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d+$/.test(dbText)) {
    throw new RedisUrlError(`${field}: expected a database number after the host (redis://host:6379/0) but received '/${dbText}'`);
  }
  if (url.search || url.hash) {
    throw new RedisUrlError(`${field}: options in the URL ('${url.search}${url.hash}') are not supported; give host, port, user, password and database only`);
  }
  // URL keeps IPv6 hosts in brackets; ioredis wants them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const options: BrokerConnectionOptions = {
    host,
    port,
    maxRetriesPerRequest: null,
    ...(url.username ? { username: decodeCredential(url.username, 'user name', field) } : {}),
    ...(url.password ? { password: decodeCredential(url.password, 'password', field) } : {}),
    ...(dbText !== '' ? { db: Number(dbText) } : {}),
    // TLS checks the certificate against the host; SNI carries a name only (RFC 6066: no IPs).
    ...(url.protocol === 'rediss:' ? { tls: isIP(host) ? {} : { servername: host } } : {}),
  };
  return { display, options };
}

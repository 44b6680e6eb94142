// The broker URL becomes ioredis options, and never reaches a message with its password in it:
// not in `display`, not in an error for a URL that is wrong, not in a quoted error from Redis.
import { describe, expect, it } from 'vitest';
import { parseRedisUrl, redactRedisUrl, redactSecrets, RedisUrlError } from '../../../runner/broker/redis-url.js';

const PASSWORD = 'hunter2-s3cret';

/** The error parseRedisUrl throws for `text`, so a test can look at every part of it. */
function parseError(text: string, field?: string): RedisUrlError {
  try {
    parseRedisUrl(text, field);
  } catch (error) {
    if (error instanceof RedisUrlError) return error;
    throw new Error(`expected a RedisUrlError but caught ${String(error)}`);
  }
  throw new Error(`expected parseRedisUrl('${text}') to throw`);
}

/** Everything an error could print: a password must not be in any of it. */
function printed(error: Error): string {
  return `${error.name} ${error.message} ${error.stack ?? ''}`;
}

describe('parseRedisUrl', () => {
  it('fills in the defaults: port 6379, no db, no TLS, and maxRetriesPerRequest null as BullMQ workers need', () => {
    expect(parseRedisUrl('redis://broker.internal')).toEqual({
      display: 'redis://broker.internal',
      options: { host: 'broker.internal', port: 6379, maxRetriesPerRequest: null },
    });
  });

  it('reads the port and the database number', () => {
    const { options } = parseRedisUrl('redis://10.0.0.5:6380/3');
    expect(options).toEqual({ host: '10.0.0.5', port: 6380, db: 3, maxRetriesPerRequest: null });
  });

  it('keeps database 0 when it is given (0 is not "absent")', () => {
    expect(parseRedisUrl('redis://h/0').options.db).toBe(0);
  });

  it('turns rediss:// into TLS that checks the server name', () => {
    const { options } = parseRedisUrl('rediss://master.cache.example.com:6379');
    expect(options.tls).toEqual({ servername: 'master.cache.example.com' });
    expect(options.port).toBe(6379);
  });

  it('takes a user and a password (ElastiCache AUTH token), and hides the password in display', () => {
    const address = parseRedisUrl(`rediss://bitbench:${PASSWORD}@cache.example.com:6380/1`);
    expect(address.options).toMatchObject({ username: 'bitbench', password: PASSWORD, host: 'cache.example.com', port: 6380, db: 1 });
    expect(address.display).toBe('rediss://bitbench:***@cache.example.com:6380/1');
    expect(address.display).not.toContain(PASSWORD);
  });

  it('takes a password alone (the default user)', () => {
    const address = parseRedisUrl(`redis://:${PASSWORD}@127.0.0.1`);
    expect(address.options.password).toBe(PASSWORD);
    expect(address.options.username).toBeUndefined();
    expect(address.display).toBe('redis://:***@127.0.0.1');
  });

  it('decodes a percent-encoded password (an @, a / or a : in the token)', () => {
    const raw = 'p@ss/w:rd%!';
    const address = parseRedisUrl(`redis://:${encodeURIComponent(raw)}@h:6379`);
    expect(address.options.password).toBe(raw);
    expect(address.display).toBe('redis://:***@h:6379');
    expect(address.display).not.toContain(encodeURIComponent(raw));
  });

  it('gives ioredis an IPv6 host without the brackets', () => {
    expect(parseRedisUrl('redis://[::1]:6390').options).toMatchObject({ host: '::1', port: 6390 });
    expect(parseRedisUrl('rediss://[2001:db8::7]').options).toMatchObject({ host: '2001:db8::7', port: 6379 });
  });

  it('uses TLS to an IP address without a server name (SNI carries names only, RFC 6066)', () => {
    expect(parseRedisUrl('rediss://[2001:db8::7]').options.tls).toEqual({});
    expect(parseRedisUrl('rediss://10.0.0.5:6380').options.tls).toEqual({});
  });

  it.each([
    ['a scheme other than redis', `http://:${PASSWORD}@h:6379`, /redis:\/\/ or rediss:\/\//],
    ['a database that is not a number', `redis://:${PASSWORD}@h:6379/cache`, /database number/],
    ['options in a query string', `redis://:${PASSWORD}@h:6379?tls=true`, /not supported/],
    ['no host', 'redis:///0', /expected a host/],
    ['a port out of range', `redis://:${PASSWORD}@h:70000`, /expected a URL like/],
    ['a port that is not a number', `redis://:${PASSWORD}@h:port`, /expected a URL like/],
    ['no URL at all', 'localhost', /expected a URL like/],
  ])('refuses %s, naming the field, without the password', (_label, text, reason) => {
    const error = parseError(text);
    expect(error.message).toMatch(/^--redis: /);
    expect(error.message).toMatch(reason);
    expect(error.code).toBe('ERR_BITBENCH_REDIS_URL');
    expect(printed(error)).not.toContain(PASSWORD);
  });

  it('names the field it was given (the environment variable, when the URL came from there)', () => {
    expect(parseError('ftp://h', '$BITBENCH_REDIS_URL').message).toMatch(/^\$BITBENCH_REDIS_URL: /);
  });

  it('hides the password of a URL it cannot parse, as far as it can tell where the password is', () => {
    // '#' ends the authority early, so the URL parser refuses this one; the fallback still hides it.
    const error = parseError(`redis://:${PASSWORD}#x@h:6379`);
    expect(printed(error)).not.toContain(PASSWORD);
    expect(printed(error)).not.toContain('hunter2');
  });

  // A URL without 'scheme://' or with a raw '/' in the password: everything before the last '@' is hidden.
  it.each([
    ['the scheme left out', `default:${PASSWORD}@h:6379`],
    ['a raw / in the password', `redis://:${PASSWORD}/x@h:port`],
    ['a single slash after the scheme', `redis:/:${PASSWORD}@h`],
  ])('hides the password of a URL with %s', (_label, text) => {
    expect(printed(parseError(text))).not.toContain(PASSWORD);
  });

  it('refuses a password with a bare % as a RedisUrlError naming the field', () => {
    const error = parseError('redis://:100%@h:6379');
    expect(error.message).toMatch(/^--redis: .*password/);
  });
});

describe('redactRedisUrl', () => {
  it('replaces only the password', () => {
    expect(redactRedisUrl(`rediss://user:${PASSWORD}@h:6380/2`)).toBe('rediss://user:***@h:6380/2');
  });

  it('leaves a URL without a password as it is', () => {
    expect(redactRedisUrl('redis://h:6379')).toBe('redis://h:6379');
  });

  it('hides the credentials of text that is not a URL', () => {
    expect(redactRedisUrl(`redis://:${PASSWORD}@h:notaport`)).toBe('redis://***@h:notaport');
  });
});

describe('redactSecrets', () => {
  const address = parseRedisUrl(`redis://app:${PASSWORD}@cache.example.com:6379`);

  it('hides the password wherever a message repeats it', () => {
    const out = redactSecrets(`AUTH ${PASSWORD} refused (${PASSWORD})`, address);
    expect(out).toBe('AUTH *** refused (***)');
  });

  it('hides a URL quoted whole, by its password', () => {
    const out = redactSecrets(`connect to redis://app:${PASSWORD}@cache.example.com:6379 failed`, address);
    expect(out).toBe('connect to redis://app:***@cache.example.com:6379 failed');
  });

  it('hides both the decoded and the percent-encoded form of a password', () => {
    const raw = 'p@ss/w0rd';
    const encoded = parseRedisUrl(`redis://:${encodeURIComponent(raw)}@h`);
    expect(redactSecrets(`bad password ${raw}`, encoded)).toBe('bad password ***');
    expect(redactSecrets(`in redis://:${encodeURIComponent(raw)}@h`, encoded)).toBe('in redis://:***@h');
  });

  it('leaves a message without secrets unchanged', () => {
    expect(redactSecrets('ECONNREFUSED 127.0.0.1:6379', address)).toBe('ECONNREFUSED 127.0.0.1:6379');
  });
});

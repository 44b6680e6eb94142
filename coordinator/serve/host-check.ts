// DNS rebinding: a page on evil.example can point its own name at 127.0.0.1 and then read this
// server from the reader's browser as same-origin. The browser still sends `Host: evil.example`,
// so the server answers only requests that name it as it listens: localhost, 127.0.0.1, [::1],
// the address the connection arrived on or the one it was told to listen on, with its port.

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** An address as it appears in a Host header: IPv6 in brackets, IPv4-mapped IPv6 as IPv4. */
function hostForm(address: string): string {
  const plain = address.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  return plain.includes(':') && !plain.startsWith('[') ? `[${plain}]` : plain;
}

export interface HostCheck {
  /** The port the server listens on. */
  port: number;
  /** The address the connection arrived on (socket.localAddress). */
  localAddress?: string | undefined;
  /** The name or address the server was asked to listen on (--host). */
  listenHost?: string | undefined;
}

/** Whether a Host header names this server. A missing or malformed one does not. */
export function isAllowedHost(header: string | undefined, check: HostCheck): boolean {
  if (header === undefined) return false;
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(header.trim());
  if (!match) return false;
  const name = match[1]!.toLowerCase();
  // Without a port the client means the scheme's default.
  const port = match[2] === undefined ? 80 : Number(match[2]);
  if (port !== check.port) return false;
  const allowed = new Set(LOOPBACK_NAMES);
  for (const address of [check.localAddress, check.listenHost]) {
    // 0.0.0.0 and :: mean "every interface", not a name a browser sends.
    if (address && address !== '0.0.0.0' && address !== '::') allowed.add(hostForm(address));
  }
  return allowed.has(name);
}

// A private redis-server for fault tests: its own port and folder, so a test may stop and restart
// it (or give it a password or an eviction policy) without touching the shared one on 6379.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface TlsFiles {
  /** A self-signed certificate for 127.0.0.1 (also its own CA). */
  cert: string;
  key: string;
}

/** A throwaway self-signed certificate for 127.0.0.1 and localhost, made with openssl. */
export function selfSignedCertificate(dir: string): TlsFiles | null {
  const cert = join(dir, 'redis.crt');
  const key = join(dir, 'redis.key');
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return made.status === 0 ? { cert, key } : null;
}

export class PrivateRedis {
  private process: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'bitbench-redis-'));

  private constructor(
    readonly port: number,
    private readonly extraArgs: string[],
    private readonly tls: TlsFiles | undefined,
  ) {}

  /** AOF on with fsync always: a stop and restart loses nothing that was acknowledged. */
  static async start(extraArgs: string[] = [], options: { tls?: TlsFiles } = {}): Promise<PrivateRedis> {
    const server = new PrivateRedis(await freePort(), extraArgs, options.tls);
    await server.restart();
    return server;
  }

  url(password?: string): string {
    const scheme = this.tls ? 'rediss' : 'redis';
    return password ? `${scheme}://:${encodeURIComponent(password)}@127.0.0.1:${this.port}` : `${scheme}://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    // With TLS the plain port is closed: only TLS clients get in.
    const ports = this.tls
      ? ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', this.tls.cert, '--tls-key-file', this.tls.key, '--tls-ca-cert-file', this.tls.cert, '--tls-auth-clients', 'no']
      : ['--port', String(this.port)];
    const args = [...ports, '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', ...this.extraArgs];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start on ${this.port}: ${output}`)), 10_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (/Ready to accept connections/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}: ${output}`));
      });
    });
  }

  /** SIGTERM: Redis flushes the AOF and exits, as on a clean shutdown or a failover. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    this.process = null;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// `bitbench serve`: browse the result store's runs and reports from a local browser.
import { parseArgs } from 'node:util';
import { printOut } from '../../reports/text-safety/terminal-text.js';
import { DEFAULT_STORE_FILE } from '../store/result-store.js';
import { UsageError } from './cli-error.js';
import { openStoreForReading } from './open-store.js';
import { positiveInteger } from './option-parsing.js';
import { takeInterrupt } from './interrupt.js';

// Loopback by default: the pages show every result in the store.
export const SERVE_DEFAULTS = { port: 8080, host: '127.0.0.1' } as const;

export const serveHelp = `Usage: bitbench serve [options]

A read-only web server over the result store: lists the runs, and renders any run's report
(or several runs', or a comparison with a baseline run) on request. It never writes.

Options:
  --db FILE        the result store            (default: ${DEFAULT_STORE_FILE})
  --port N         port                        (default: ${SERVE_DEFAULTS.port})
  --host ADDRESS   address to listen on        (default: ${SERVE_DEFAULTS.host}, this machine only)
  -h, --help       this help
`;

export async function serveCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: { db: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(serveHelp);
    return;
  }
  const db = values.db ?? DEFAULT_STORE_FILE;
  openStoreForReading(db).close();
  const port = positiveInteger('port', values.port, SERVE_DEFAULTS.port);
  if (port > 65535) throw new UsageError(`--port: expected a port from 1 to 65535 but received ${port}`);
  const host = values.host ?? SERVE_DEFAULTS.host;
  // Loaded here, not at the top: the pages' rendering is not what `serve --help` needs.
  const { createReportServer } = await import('../serve/report-server.js');
  const server = createReportServer(db, { listenHost: host });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new UsageError(`--port: ${host}:${port} is already in use`) : error),
    );
    server.listen(port, host, () => resolve());
  });
  printOut(`serving ${db} at http://${host.includes(':') ? `[${host}]` : host}:${port}/ (Ctrl-C stops)\n`);
  await new Promise<void>((resolve) => {
    const giveBackInterrupt = takeInterrupt(() => server.close(() => (giveBackInterrupt(), resolve())));
  });
}

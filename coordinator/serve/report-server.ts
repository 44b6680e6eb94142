// `bitbench serve`: a read-only HTTP server over a result store. It lists the runs and renders
// any report or comparison on request; it never writes to the store, and by default listens on
// loopback only.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { escapeHtml } from '../../reports/render-html.js';
import { htmlReport } from '../reporting/store-report.js';
import { ResultStore, type StoredRun } from '../store/result-store.js';
import { isAllowedHost } from './host-check.js';
import { isWellFormedRunId, shownId } from './run-id-query.js';

const PAGE_STYLE = `body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}
td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left}th{background:#f5f5f5}
a{color:#1a5fb4}form{margin-top:1.5em}select,button{font:inherit}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; form-action 'self'">` +
    `<title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head><body>${body}</body></html>`;
}

function reportLink(runs: string[], baseline?: string): string {
  const query = new URLSearchParams();
  for (const run of runs) query.append('run', run);
  if (baseline) query.append('baseline', baseline);
  return `/report?${query.toString()}`;
}

function runList(runs: StoredRun[], resultCounts: Map<string, number>): string {
  if (runs.length === 0) return page('bitbench runs', `<h1>bitbench runs</h1><p>No runs yet: run <code>bitbench local</code>.</p>`);
  const rows = [...runs].reverse().map((run) => {
    // The previous run of the same instance type: the natural baseline for a comparison.
    const earlier = runs.filter((r) => r.instanceType === run.instanceType && r.startedAt < run.startedAt).at(-1);
    return `<tr><td><a href="${escapeHtml(reportLink([run.id]))}">${escapeHtml(run.id)}</a></td>` +
      `<td>${escapeHtml(run.startedAt)}</td><td>${escapeHtml(run.instanceType)}</td><td>${escapeHtml(run.matrixName)}</td>` +
      `<td>${escapeHtml(run.status)}</td><td>${resultCounts.get(run.id) ?? 0}</td>` +
      `<td>${earlier ? `<a href="${escapeHtml(reportLink([run.id], earlier.id))}">vs ${escapeHtml(earlier.id)}</a>` : ''}</td></tr>`;
  });
  const options = runs.map((run) => `<option value="${escapeHtml(run.id)}">${escapeHtml(`${run.id} (${run.instanceType})`)}</option>`).join('');
  return page(
    'bitbench runs',
    `<h1>bitbench runs</h1><table><tr><th>run</th><th>started</th><th>instance type</th><th>matrix</th><th>status</th><th>results</th><th>compare</th></tr>${rows.join('')}</table>` +
      `<form method="get" action="/report"><label>runs <select name="run" multiple size="5">${options}</select></label> ` +
      `<label>baseline <select name="baseline"><option value="">none</option>${options}</select></label> <button>report</button></form>`,
  );
}

function send(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'x-content-type-options': 'nosniff' });
  response.end(html);
}

export interface ReportServerOptions {
  /** The name or address given to listen on (--host): Host headers may name it too. */
  listenHost?: string;
}

export function createReportServer(dbPath: string, options: ReportServerOptions = {}): Server {
  return createServer((request: IncomingMessage, response: ServerResponse) => {
    const { localAddress, localPort } = request.socket;
    if (!isAllowedHost(request.headers.host, { port: localPort ?? 0, localAddress, listenHost: options.listenHost })) {
      send(response, 403, page('forbidden', '<h1>Forbidden</h1><p>This server answers only requests addressed to it by its own name (localhost).</p>'));
      return;
    }
    void handle(dbPath, request, response).catch((error: unknown) => {
      send(response, 500, page('error', `<h1>Error</h1><p>${escapeHtml(error instanceof Error ? error.message : String(error))}</p>`));
    });
  });
}

async function handle(dbPath: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    send(response, 405, page('method not allowed', '<h1>Read-only</h1><p>This server only answers GET.</p>'));
    return;
  }
  const url = URL.canParse(request.url ?? '/', 'http://localhost') ? new URL(request.url ?? '/', 'http://localhost') : undefined;
  if (url === undefined) {
    send(response, 400, page('bad request', '<h1>Bad request</h1><p>The address could not be read.</p>'));
    return;
  }
  // Opened per request, read-only: runs stored since the server started show up.
  const store = ResultStore.open(dbPath, { readonly: true });
  try {
    if (url.pathname === '/') {
      const runs = store.listRuns();
      const counts = new Map(runs.map((run) => [run.id, store.results({ runIds: [run.id] }).length]));
      send(response, 200, runList(runs, counts));
      return;
    }
    if (url.pathname === '/report') {
      const runIds = [...new Set(url.searchParams.getAll('run').filter(Boolean))];
      const baseline = url.searchParams.get('baseline') || undefined;
      // An id no store can hold is the caller's mistake (400), an id it could hold but does not, 404.
      const malformed = [...runIds, ...(baseline ? [baseline] : [])].filter((id) => !isWellFormedRunId(id));
      if (malformed.length > 0) {
        send(response, 400, page('bad request', `<h1>Bad request</h1><p>Not a run id: ${malformed.map((id) => escapeHtml(shownId(id))).join(', ')}.</p><p><a href="/">All runs</a></p>`));
        return;
      }
      const unknown = [...runIds, ...(baseline ? [baseline] : [])].filter((id) => store.getRun(id) === undefined);
      if (runIds.length === 0 || unknown.length > 0) {
        const what = runIds.length === 0 ? 'Name at least one run (?run=ID).' : `No such run: ${unknown.map(escapeHtml).join(', ')}.`;
        send(response, 404, page('not found', `<h1>Not found</h1><p>${what}</p><p><a href="/">All runs</a></p>`));
        return;
      }
      send(response, 200, await htmlReport(store, { runIds, ...(baseline ? { baselineRunIds: [baseline] } : {}) }));
      return;
    }
    send(response, 404, page('not found', `<h1>Not found</h1><p><a href="/">All runs</a></p>`));
  } finally {
    store.close();
  }
}

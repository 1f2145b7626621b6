// HTTP routes of the dashboard, mountable on any node:http server (the gateway's, or the ops
// server of a runtime): the page, its JSON state, and the two browser scripts it loads from this
// package's own dependencies (Mermaid and the Socket.IO client), so it works with no internet.

import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { dashboardHtml } from './dashboard-page.js';
import type { DashboardState } from './dashboard-state.js';

const require = createRequire(import.meta.url);

function script(res: ServerResponse, path: string): void {
  res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=3600' });
  createReadStream(path).pipe(res);
}

/**
 * Returns a request handler that answers the dashboard's paths and returns false for any other.
 *
 * @example
 * const dashboard = dashboardRoutes(state);
 * server.prependListener('request', (req, res) => void dashboard(req, res));
 */
export function dashboardRoutes(
  state: DashboardState,
  title?: string,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  // Resolved from each package's root: their `exports` maps do not list the browser bundles.
  const mermaidJs = join(dirname(require.resolve('mermaid/package.json')), 'dist/mermaid.min.js');
  const socketIoJs = join(dirname(require.resolve('socket.io-client/package.json')), 'dist/socket.io.min.js');
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/dashboard':
      case '/dashboard/':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(dashboardHtml(title));
        return true;
      case '/dashboard/state':
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(state.snapshot()));
        return true;
      case '/dashboard/mermaid.js':
        script(res, mermaidJs);
        return true;
      case '/dashboard/socket.io.js':
        script(res, socketIoJs);
        return true;
      default:
        return false;
    }
  };
}

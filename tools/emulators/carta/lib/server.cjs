// The backend's HTTP side: every path answers 200 only to a request that carries the session token (query
// `token`, `Authorization: Bearer`, or a `carta-auth-token` header), 403 otherwise, as CARTA does when it
// is started with CARTA_AUTH_TOKEN.
const http = require('node:http');
const crypto = require('node:crypto');

function presentedToken(request) {
  const url = new URL(request.url || '/', 'http://backend');
  const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization || '');
  return url.searchParams.get('token') || (bearer && bearer[1]) || request.headers['carta-auth-token'] || '';
}

function sameToken(given, token) {
  const a = Buffer.from(String(given));
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** Starts listening; resolves when the port is open, rejects with the listen error (EADDRINUSE...). */
function startServer({ host, port, token, files, onClient, log }) {
  const server = http.createServer((request, response) => {
    const pathname = new URL(request.url || '/', 'http://backend').pathname;
    if (!sameToken(presentedToken(request), token)) {
      response.writeHead(403, { 'content-type': 'text/plain' });
      response.end('Forbidden: invalid or missing token\n');
      return;
    }
    onClient();
    log('debug', `client request ${request.method} ${pathname}`);
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end(`<!DOCTYPE html>\n<html><head><title>CARTA</title></head><body>CARTA emulator: ${files.map(escape).join(', ') || 'file browser'}</body></html>\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function escape(text) {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

module.exports = { startServer };

// The backend's HTTP and WebSocket side, route by route as the real HttpServer and SessionManager serve them
// (see the README for the source lines): every route under --http_url_prefix; the frontend's static files
// and /config without the token; the database API and the WebSocket upgrade only with it; a text PING on the
// WebSocket answered with PONG.
const http = require('node:http');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

/** The token as the real backend accepts it: cookie, Bearer header, `?token=`, or `carta-auth-token` header. */
function presentedToken(request) {
  const url = new URL(request.url || '/', 'http://backend');
  const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization || '');
  const cookie = /(?:^|;\s*)carta-auth-token=([^;]*)/.exec(request.headers.cookie || '');
  return url.searchParams.get('token') || (bearer && bearer[1]) || request.headers['carta-auth-token'] || (cookie && decodeURIComponent(cookie[1])) || '';
}

function sameToken(given, token) {
  const a = Buffer.from(String(given));
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** `--http_url_prefix`: leading and trailing slashes stripped, except a single leading one. */
function normalPrefix(prefix) {
  const trimmed = String(prefix || '').replace(/^\/+|\/+$/g, '');
  return trimmed ? `/${trimmed}` : '';
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };

// WebSocket (RFC 6455) at the size CARTA's text PING needs: one unfragmented frame at a time.
function acceptKey(key) {
  return crypto.createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

function frame(opcode, payload) {
  const body = Buffer.from(payload);
  const head = body.length < 126 ? Buffer.from([0x80 | opcode, body.length]) : Buffer.from([0x80 | opcode, 126, body.length >> 8, body.length & 0xff]);
  return Buffer.concat([head, body]);
}

/** Reads frames from `buffer`; returns the unread rest. */
function readFrames(buffer, onFrame) {
  for (;;) {
    if (buffer.length < 2) return buffer;
    const opcode = buffer[0] & 0x0f;
    const masked = (buffer[1] & 0x80) !== 0;
    let length = buffer[1] & 0x7f;
    let at = 2;
    if (length === 126) {
      if (buffer.length < 4) return buffer;
      length = buffer.readUInt16BE(2);
      at = 4;
    } else if (length === 127) {
      if (buffer.length < 10) return buffer;
      length = Number(buffer.readBigUInt64BE(2));
      at = 10;
    }
    const mask = masked ? buffer.subarray(at, at + 4) : undefined;
    if (masked) at += 4;
    if (buffer.length < at + length) return buffer;
    const payload = Buffer.from(buffer.subarray(at, at + length));
    if (mask) for (let i = 0; i < payload.length; i += 1) payload[i] ^= mask[i % 4];
    onFrame(opcode, payload);
    buffer = buffer.subarray(at + length);
  }
}

/**
 * Starts listening; resolves with the server when the port is open, rejects with the listen error
 * (EADDRINUSE...). `sessions` is told when a WebSocket client connects and leaves.
 */
function startServer({ host, port, token, prefix, frontendFolder, homeDir, idleTimeout, sessions, log }) {
  const base = normalPrefix(prefix);
  const preferencesFile = path.join(homeDir, '.carta', 'config', 'preferences.json');
  const canServeFrontend = Boolean(frontendFolder) && fs.existsSync(path.join(frontendFolder, 'index.html'));

  const send = (response, status, type, body) => {
    response.writeHead(status, { 'content-type': type });
    response.end(body);
  };

  const server = http.createServer((request, response) => {
    const pathname = new URL(request.url || '/', 'http://backend').pathname;
    if (base && pathname !== base && !pathname.startsWith(`${base}/`)) return send(response, 404, 'text/plain', 'Not Found\n');
    const route = pathname.slice(base.length) || '/';
    if (route.startsWith('/api/')) {
      if (!sameToken(presentedToken(request), token)) return send(response, 403, 'text/plain', '');
      if (route === '/api/database/preferences') return preferences(request, response);
      return send(response, 501, 'text/plain', 'Not Implemented\n');
    }
    if (request.method !== 'GET') return send(response, 404, 'text/plain', 'Not Found\n');
    if (route === '/config') return send(response, 200, 'application/json', JSON.stringify({ apiAddress: `${base}/api` }));
    if (!canServeFrontend) return send(response, 404, 'text/plain', 'Not Found\n');
    const file = path.join(frontendFolder, route === '/' ? 'index.html' : path.normalize(route).replace(/^(\.\.[/\\])+/, ''));
    fs.readFile(file, (error, data) => {
      if (error) return send(response, 404, 'text/plain', 'Not Found\n');
      send(response, 200, TYPES[path.extname(file)] || 'application/octet-stream', data);
    });
  });

  function preferences(request, response) {
    if (request.method === 'GET') {
      let stored = {};
      try {
        stored = JSON.parse(fs.readFileSync(preferencesFile, 'utf8'));
      } catch {
        stored = {};
      }
      return send(response, 200, 'application/json', JSON.stringify({ success: true, preferences: stored }));
    }
    if (request.method === 'PUT') {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        try {
          const update = JSON.parse(body);
          let stored = {};
          try {
            stored = JSON.parse(fs.readFileSync(preferencesFile, 'utf8'));
          } catch {
            stored = {};
          }
          fs.mkdirSync(path.dirname(preferencesFile), { recursive: true });
          fs.writeFileSync(preferencesFile, JSON.stringify({ ...stored, ...update }));
          send(response, 200, 'application/json', JSON.stringify({ success: true }));
        } catch {
          send(response, 400, 'text/plain', '');
        }
      });
      return undefined;
    }
    return send(response, 501, 'text/plain', '');
  }

  let sessionCount = 0;
  server.on('upgrade', (request, socket) => {
    const pathname = new URL(request.url || '/', 'http://backend').pathname;
    const key = request.headers['sec-websocket-key'];
    if ((base && !pathname.startsWith(base)) || !key || String(request.headers.upgrade).toLowerCase() !== 'websocket') {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    if (!sameToken(presentedToken(request), token)) {
      log('error', 'Incorrect or missing auth token supplied! Closing WebSocket connection');
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`);
    sessionCount += 1;
    const id = sessionCount;
    const address = request.headers['x-forwarded-for'] || socket.remoteAddress;
    sessions.connected();
    log('info', `Session ${id} [${address}] Connected. Num sessions: ${sessions.count()}`);
    let idleTimer;
    // Only binary (protocol) messages count as activity: the frontend's text PING keeps no session alive.
    const busy = () => {
      if (!idleTimeout) return;
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        log('info', `Client ${id} has been idle for ${idleTimeout} seconds. Disconnecting.`);
        socket.end(frame(0x8, Buffer.from([0x03, 0xe8])));
      }, idleTimeout * 1000);
    };
    busy();
    let rest = Buffer.alloc(0);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearTimeout(idleTimer);
      log('info', `Session ${id} [${address}] Disconnected. Remaining sessions: ${sessions.count() - 1}`);
      sessions.left();
    };
    socket.on('data', (chunk) => {
      rest = readFrames(Buffer.concat([rest, chunk]), (opcode, payload) => {
        if (opcode === 0x1 && payload.toString() === 'PING') socket.write(frame(0x1, 'PONG'));
        else if (opcode === 0x2) busy();
        else if (opcode === 0x9) socket.write(frame(0xa, payload));
        else if (opcode === 0x8) socket.end(frame(0x8, payload.subarray(0, 2)));
      });
    });
    // The HTTP server's sockets are half-open: a client gone is an 'end', which must be answered to close.
    socket.on('end', () => {
      socket.end();
      close();
    });
    socket.on('close', close);
    socket.on('error', close);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', reject);
      resolve({ server, canServeFrontend, base });
    });
  });
}

module.exports = { startServer, normalPrefix };

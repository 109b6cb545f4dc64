// HTTP client for the floorguard API (docs/api.md).
//
// Every call is same-origin with the session cookie; unsafe methods echo the `csrf`
// cookie in X-CSRF-Token. Failures reject with an ApiError that carries the
// problem+json body, so forms can show `errors[]` next to their fields.

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// The csrf value from the login response, used only if the cookie cannot be read.
let csrfFallback = '';
// Called on a 401 from anything but the session endpoints: the session has ended.
let onUnauthenticated = () => {};

export function setCsrfFallback(value) {
  csrfFallback = typeof value === 'string' ? value : '';
}

export function setUnauthenticatedHandler(handler) {
  onUnauthenticated = handler;
}

export function readCookie(name) {
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return part.slice(eq + 1).trim();
      }
    }
  }
  return '';
}

export function csrfToken() {
  return readCookie('csrf') || csrfFallback;
}

export class ApiError extends Error {
  constructor(status, problem) {
    const p = problem && typeof problem === 'object' ? problem : {};
    super(p.detail || p.title || statusText(status));
    this.name = 'ApiError';
    this.status = status;
    this.code = p.code || '';
    this.title = p.title || statusText(status);
    this.detail = p.detail || '';
    this.errors = Array.isArray(p.errors) ? p.errors : [];
  }
}

function statusText(status) {
  switch (status) {
    case 0: return 'The server could not be reached';
    case 400: return 'Invalid input';
    case 401: return 'Not logged in';
    case 403: return 'Not allowed';
    case 404: return 'Not found';
    case 405: return 'Method not allowed';
    case 409: return 'Conflict';
    case 413: return 'Request too large';
    case 503: return 'Service unavailable';
    default: return `Request failed (${status})`;
  }
}

export function buildQuery(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === '') continue;
    q.set(key, String(value));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

// request('GET', '/api/v1/people', {query: {q: 'ann'}}) -> parsed JSON, or null for 204.
export async function request(method, path, { body, query, signal } = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store', signal };
  if (UNSAFE.has(method)) {
    headers['X-CSRF-Token'] = csrfToken();
  }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path + buildQuery(query), init);
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, { title: 'The server could not be reached' });
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401 && !path.startsWith('/api/v1/session')) {
      onUnauthenticated(error);
    }
    throw error;
  }
  return data;
}

export const api = {
  get: (path, query, options = {}) => request('GET', path, { ...options, query }),
  post: (path, body) => request('POST', path, { body: body ?? {} }),
  patch: (path, body) => request('PATCH', path, { body }),
  del: (path) => request('DELETE', path),
  // One page of a list endpoint: {items, next_cursor}.
  async list(path, query = {}, options = {}) {
    const data = await request('GET', path, { ...options, query });
    return {
      items: Array.isArray(data?.items) ? data.items : [],
      next_cursor: data?.next_cursor || null,
    };
  },
  // Every item of a list endpoint, following cursors, up to `max` items.
  async all(path, query = {}, max = 5000) {
    const items = [];
    let cursor = null;
    do {
      const page = await api.list(path, { ...query, limit: 500, cursor });
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor && items.length < max);
    return { items, truncated: Boolean(cursor) };
  },
};

// Session endpoints.
export const session = {
  current: () => request('GET', '/api/v1/session'),
  // `totp` (a 6-digit code or a recovery code) only when the user typed one.
  login: (username, password, totp) => request('POST', '/api/v1/session', {
    body: totp ? { username, password, totp } : { username, password },
  }),
  logout: () => request('DELETE', '/api/v1/session'),
  changePassword: (currentPassword, newPassword) =>
    request('POST', '/api/v1/session/password', {
      body: { current_password: currentPassword, new_password: newPassword },
    }),
};

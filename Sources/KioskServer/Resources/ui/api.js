// @ts-check
// The terminal's HTTP API as the screens call it: JSON in and out, a problem (RFC 9457 with
// `code` and zh-CN/en `messages`) thrown as a Problem, an idempotency key on each write that
// asks for one, the staff's bearer token on staff calls.
import { state } from './state.js';
import { t, lt } from './text.js';

/** A 4xx or 5xx answer: its status, its problem body and the body's stable `code`. */
export class Problem extends Error {
  /**
   * @param {number} status
   * @param {any} body  the problem (`code`, `detail`, `messages`, …)
   */
  constructor(status, body) {
    super((body && body.detail) || 'HTTP ' + status);
    this.status = status;
    /** @type {any} */
    this.body = body || {};
    /** @type {string | undefined} */
    this.code = this.body.code;
  }
}

function newKey() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return 'k' + Date.now().toString(36) + Math.random().toString(36).slice(2);
}

/**
 * @typedef {Object} CallOptions
 * @property {boolean} [idempotent]  send a fresh `Idempotency-Key`
 * @property {boolean} [staff]  send the signed-in staff's token
 */

/**
 * Calls the API; the decoded JSON (or text, or null for 204), or throws a Problem.
 * @param {string} method
 * @param {string} path
 * @param {any} [body]  sent as JSON unless undefined
 * @param {CallOptions} [options]
 * @returns {Promise<any>}
 */
export async function api(method, path, body, options = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.idempotent) headers['Idempotency-Key'] = newKey();
  if (options.staff && state.staff) headers.Authorization = 'Bearer ' + state.staff.token;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const type = response.headers.get('content-type') || '';
  let data = null;
  if (response.status !== 204) data = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) throw new Problem(response.status, typeof data === 'object' ? data : null);
  return data;
}

/**
 * What to tell the citizen about a failure: the server's own sentence, else a general one.
 * @param {unknown} error
 * @returns {string}
 */
export function problemText(error) {
  if (error instanceof Problem && error.body.messages) return lt(error.body.messages);
  console.error(error);
  return t('unexpected');
}

// Every call to the hub carries the session's token in Authorization, exactly as the REST API's other clients do.
import * as session from './session.js';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Called when the token is no longer accepted because it expired: the app shows the sign-in again. */
let onExpired = () => {};

export function whenExpired(handler) {
  onExpired = handler;
}

export async function call(method, path, { json, body, headers = {}, signal, token } = {}) {
  const auth = token || session.current()?.token;
  if (!auth) {
    onExpired();
    throw new ApiError(401, 'signed out');
  }
  const init = { method, headers: { Authorization: auth, ...headers }, signal, cache: 'no-store' };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers['Content-Type'] = 'application/json';
  } else if (body !== undefined) {
    init.body = body;
  }
  const response = await fetch(path, init);
  if (!response.ok) {
    const error = new ApiError(response.status, await messageOf(response));
    if (response.status === 401 && !token && !session.current()) onExpired();
    throw error;
  }
  return response;
}

export async function getJson(path, options) {
  return (await call('GET', path, options)).json();
}

/** The readable part of IoT Hub's error JSON: {"Message":"ErrorCode:X;what happened", ...}. */
async function messageOf(response) {
  const text = await response.text();
  try {
    const message = JSON.parse(text).Message || text;
    const semicolon = message.indexOf(';');
    return message.startsWith('ErrorCode:') && semicolon > 0 ? message.slice(semicolon + 1) : message;
  } catch {
    return text || `${response.status} ${response.statusText}`;
  }
}

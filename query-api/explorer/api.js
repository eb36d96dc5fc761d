// Every request the page makes goes through here: same origin, the API key as a Bearer token,
// and errors read from the API's own body so the page can show them as the API words them.

const KEY_ITEM = "ctr.apiKey";

/** The API key kept in this tab's session (cleared when the tab closes), or "". */
export function apiKey() {
  return sessionStorage.getItem(KEY_ITEM) ?? "";
}

/** @param {string} key an empty key forgets it */
export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY_ITEM, key);
  else sessionStorage.removeItem(KEY_ITEM);
}

/** An error answer of the API: `{"error":{"code","message","field"?}}`, or a failure to reach it. */
export class ApiError extends Error {
  /**
   * @param {number} status the HTTP status; 0 when the API could not be reached
   * @param {string} code
   * @param {string} message
   * @param {string | undefined} field
   */
  constructor(status, code, message, field) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/** @param {Response} response */
async function toApiError(response) {
  try {
    /** @type {{ error?: { code?: unknown, message?: unknown, field?: unknown } }} */
    const body = await response.json();
    const error = body.error;
    if (error && typeof error.message === "string") {
      const field = typeof error.field === "string" ? error.field : undefined;
      return new ApiError(response.status, String(error.code ?? response.status), error.message, field);
    }
  } catch {
    // Not the API's JSON (a proxy's page, say): the status line is all there is to show.
  }
  return new ApiError(
    response.status,
    `http_${response.status}`,
    `${response.status} ${response.statusText}`,
    undefined,
  );
}

/**
 * GETs an API path; throws ApiError unless the answer is 2xx.
 * @param {string} path e.g. `/ctr?...`
 * @param {{ accept?: string, signal?: AbortSignal }} [options]
 */
export async function apiGet(path, { accept = "application/json", signal } = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: accept };
  const key = apiKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  let response;
  try {
    response = await fetch(path, { headers, ...(signal ? { signal } : {}) });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "unreachable", `the API could not be reached: ${String(error)}`, undefined);
  }
  if (!response.ok) throw await toApiError(response);
  return response;
}

/**
 * GETs an API path's JSON.
 * @template T
 * @param {string} path
 * @param {AbortSignal} [signal]
 * @returns {Promise<T>}
 */
export async function apiJson(path, signal) {
  return (await apiGet(path, signal ? { signal } : {})).json();
}

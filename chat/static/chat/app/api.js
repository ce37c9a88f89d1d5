// The v1 API as the web client calls it: JSON over the browser's session, from this origin.
// Writes are JSON from this page, which is what the server's cross-site rule accepts for a cookie.

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `The server answered ${status}.`);
    this.status = status;
    this.code = body && body.code;
  }
}

export async function api(path, { method = "GET", body, params } = {}) {
  // A path of v1 ("messages/"), a path of this site, or a link the API answered (a page's `next`).
  let url = /^(https?:)?\//.test(path) ? path : `/api/v1/${path}`;
  if (params) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined && value !== null && value !== "") query.set(key, value);
    }
    url += (url.includes("?") ? "&" : "?") + query.toString();
  }
  const options = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(url, options);
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// A list's answer (a bare array, or the first page of DRF's {"results"} shape).
export async function all(path, params) {
  const data = await api(path, { params });
  return Array.isArray(data) ? data : data.results;
}

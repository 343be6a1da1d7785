// Talking to the service. Paths are relative ("logs?..."), so they follow the page under any
// stage prefix (/api/). Every failure becomes an ApiError whose message a person can read.

export class ApiError extends Error {
  /** `field` is the parameter the service blamed ("lag: ..." names "lag"), or null. */
  constructor(message, { status = 0, field = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.field = field;
  }
}

export function getJson(path) {
  return request(path, { method: "GET" });
}

export function postJson(path, body) {
  return request(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function request(path, init) {
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiError(`Could not reach the service (${error.message}).`);
  }
  return readAnswer(response.status, await response.text());
}

/** The JSON body of a 2xx answer; for anything else, an ApiError with the service's message. */
export function readAnswer(status, text) {
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = undefined;
  }
  if (status >= 200 && status < 300) {
    if (body === undefined) throw new ApiError(`The service answered ${status} with something that is not JSON.`, { status });
    return body;
  }
  throw errorFrom(status, body);
}

function errorFrom(status, body) {
  const said = body && typeof body.Message === "string" ? body.Message : "";
  const message = said || `The service answered ${status} (${describe(status)}).`;
  // The service names the field first: "lag: 0 is not an integer of at least 1".
  const named = /^([A-Za-z_]+): /.exec(said);
  return new ApiError(message, { status, field: named ? named[1] : null });
}

function describe(status) {
  if (status === 0) return "no answer";
  if (status === 404) return "not found";
  if (status === 413) return "too large";
  if (status >= 500) return "a server error";
  return "refused";
}

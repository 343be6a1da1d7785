// Talking to the service: every request of the page is made here. Paths are relative ("logs?..."),
// so they follow the page under any stage prefix (/api/). Every failure becomes an ApiError whose
// message a person can read. Where the stage asks for an API key (a 403), the page asks the person
// for it once (key.js), keeps it in this tab's sessionStorage and sends it as x-api-key from then on.
import { askForKey, storedKey } from "./key.js";

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

export async function postJson(path, body) {
  const answer = await request(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  changed();
  return answer;
}

/**
 * POST `body` (FormData) to the API path with upload progress (fetch cannot report it, hence
 * XMLHttpRequest); resolves with the JSON answer. The key goes with it, as with every API request.
 */
export async function postWithProgress(path, body, onProgress) {
  const answer = await withKey((headers) => transfer("POST", path, body, headers, onProgress));
  changed();
  return answer;
}

/** A POST was taken (a job launched, cancelled, retried): the lists of jobs refresh at once. */
function changed() {
  document.dispatchEvent(new CustomEvent("jobs-changed"));
}

/**
 * A request to somewhere else than the API (a presigned storage URL): no API key, which is not
 * storage's to see. Resolves with the HTTP status.
 */
export async function putToStorage(method, url, body, headers, onProgress) {
  const { status } = await transfer(method, url, body, headers, onProgress);
  return status;
}

async function request(path, init) {
  return withKey(async (headers) => {
    let response;
    try {
      response = await fetch(path, { ...init, headers: { ...init.headers, ...headers } });
    } catch (error) {
      throw new ApiError(`Could not reach the service (${error.message}).`);
    }
    return { status: response.status, text: await response.text() };
  });
}

/**
 * Send with the stored key; on a 403 ask the person for a key and send again with it, until the
 * service takes it or the person gives up (then the 403 is the answer).
 */
async function withKey(send) {
  let key = storedKey();
  for (;;) {
    const { status, text } = await send(key ? { "x-api-key": key } : {});
    if (status !== 403) return readAnswer(status, text);
    const given = await askForKey({ refused: Boolean(key) });
    if (given === null) return readAnswer(status, text);
    key = given;
  }
}

function transfer(method, url, body, headers, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(method, url);
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener("load", () => resolve({ status: request.status, text: request.responseText }));
    request.addEventListener("error", () => reject(new ApiError("The upload got no answer (network error).")));
    request.send(body);
  });
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
  // Chalice says {"Message": ...}; API Gateway's own answers (403 without a key) say {"message": ...}.
  const said = [body?.Message, body?.message].find((text) => typeof text === "string") ?? "";
  const message = status === 403 ? "The service needs an API key for this: set it with the API key button at the top." : said || `The service answered ${status} (${describe(status)}).`;
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

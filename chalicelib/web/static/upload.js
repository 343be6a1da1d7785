// Sending files with a progress bar: to the API in the request, or to storage through a presigned URL.
import { ApiError, postJson, postWithProgress, putToStorage } from "./api.js";

// The API takes request bodies up to 5 MB; the multipart framing around the file needs a little room.
const DIRECT_LIMIT = 5 * 1024 * 1024 - 64 * 1024;

/** POST `file` as multipart field "file" to the API path; resolves with the JSON answer. */
export function postFile(path, file, onProgress) {
  const form = new FormData();
  form.append("file", file, file.name);
  return postWithProgress(path, form, onProgress);
}

/**
 * A plays file to POST /reports: in the request up to 5 MB, otherwise through storage
 * (POST reports/uploads -> PUT to the presigned URL -> POST reports/from-upload {upload_id}).
 */
export async function postReport(file, onProgress) {
  if (file.size <= DIRECT_LIMIT) return postFile("reports", file, onProgress);
  const ticket = await postJson("reports/uploads", { size: file.size, filename: file.name });
  // Browsers set Content-Length themselves (and refuse to be told it).
  const headers = Object.fromEntries(Object.entries(ticket.headers).filter(([name]) => name.toLowerCase() !== "content-length"));
  const status = await putToStorage(ticket.method, ticket.url, file, headers, onProgress);
  if (status < 200 || status >= 300) {
    throw new ApiError(`Storage refused the upload (HTTP ${status}).`, { status });
  }
  return postJson("reports/from-upload", { upload_id: ticket.upload_id, filename: file.name });
}

//! The HTTP routes: the convert API under `/api/v1/projects/{project}/`, the signed file
//! URLs, `/healthz` and the OpenAPI document; bearer auth, CORS, the error envelope and one
//! log line per request.

use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, Query, Request, State as Extract};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use diagram_core::{parse_request, ConvertRequest, Job, JobStatus, RequestError};
use http_body_util::BodyExt;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::ids::assigned_file_id;
use crate::log::log;
use crate::runner::{Push, Queue, Running};
use crate::sign::{to_hex, Signer};
use crate::store::{now_ms, status_name, JobRow, Store};
use crate::{Auth, ServeOptions};

/// What every handler shares.
pub struct State {
    pub options: Arc<ServeOptions>,
    pub store: Arc<Store>,
    pub signer: Signer,
    pub queue: Arc<Queue>,
    pub running: Arc<Running>,
}

type Shared = Arc<State>;

/// The API's base path; `{project}` is any project name.
pub const API: &str = "/api/v1/projects/{project}/context/diagram/convert";

/// The routes, for the OpenAPI document's test: (method, path).
#[cfg(test)]
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/v1/projects/{project}/context/diagram/convert"),
    ("get", "/api/v1/projects/{project}/context/diagram/convert/{jobId}"),
    ("get", "/api/v1/projects/{project}/context/diagram/convert/{jobId}/viewer"),
    ("get", "/files/{jobId}/{path}"),
    ("get", "/viewer/{jobId}/{expires}/{until}/{signature}/{path}"),
    ("get", "/healthz"),
    ("get", "/openapi.json"),
];

/// The OpenAPI document, as checked in.
pub const OPENAPI: &str = include_str!("../openapi.json");

pub fn router(state: Shared) -> Router {
    Router::new()
        .route(API, post(post_convert))
        .route(&format!("{API}/{{job_id}}"), get(get_job))
        .route(&format!("{API}/{{job_id}}/viewer"), get(get_viewer))
        .route("/files/{job_id}/{*path}", get(get_file))
        .route("/viewer/{job_id}/{expires}/{until}/{signature}/{*path}", get(viewer_file))
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such resource") })
        .method_not_allowed_fallback(|| async {
            error(StatusCode::METHOD_NOT_ALLOWED, "this method is not allowed here")
        })
        .layer(middleware::from_fn_with_state(state.clone(), around))
        .with_state(state)
}

/// The platform's error envelope: `{"error": {"code": 400, "message": "…"}}`.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    envelope(status, message.into(), None)
}

fn envelope(status: StatusCode, message: String, extra: Option<(&str, Value)>) -> Response {
    let mut body = json!({"code": status.as_u16(), "message": message});
    if let Some((key, value)) = extra {
        body[key] = value;
    }
    json_response(status, &json!({ "error": body }))
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    let mut response = (status, value.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Logs the request and adds CORS headers; answers CORS preflights.
async fn around(Extract(state): Extract<Shared>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    // The path only: the query of a file URL holds its signature.
    let path = request.uri().path().to_string();
    let origin = request.headers().get(header::ORIGIN).cloned();
    let allowed = match (&state.options.cors_origin, &origin) {
        (Some(allowed), Some(origin)) => origin.as_bytes() == allowed.as_bytes(),
        _ => false,
    };
    let mut response = if allowed && method == Method::OPTIONS {
        let mut r = StatusCode::NO_CONTENT.into_response();
        let h = r.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST"));
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type, content-encoding, x-job-token"),
        );
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        r
    } else {
        next.run(request).await
    };
    if let (true, Some(origin)) = (allowed, origin) {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("x-job-token, retry-after"),
        );
        h.insert(header::VARY, HeaderValue::from_static("origin"));
    }
    log(
        &state.options,
        format_args!(
            "{method} {path} {} {:.1} ms",
            response.status().as_u16(),
            started.elapsed().as_secs_f64() * 1000.0
        ),
    );
    response
}

/// Equal in time independent of where they differ (for equal lengths).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

/// Whether the request carries the API token (always, without auth).
fn bearer_ok(state: &State, headers: &HeaderMap) -> bool {
    match &state.options.auth {
        Auth::None => true,
        Auth::Token(token) => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
            .is_some_and(|given| same(given, token.as_bytes())),
    }
}

fn unauthorized() -> Response {
    let mut r = error(
        StatusCode::UNAUTHORIZED,
        "missing or wrong credentials: send Authorization: Bearer <token>",
    );
    r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}

async fn post_convert(
    Extract(state): Extract<Shared>,
    Path(project): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if !bearer_ok(&state, &headers) {
        return unauthorized();
    }
    let limit = state.options.max_request_bytes();
    let too_large = |size: &str| {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request is {size}, more than the limit of {limit} bytes"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(n) = declared.filter(|&n| n > limit) {
        // Refused before a byte of the body is read.
        return too_large(&format!("{n} bytes"));
    }
    let gzip = match headers.get(header::CONTENT_ENCODING).map(|v| v.to_str()) {
        None => false,
        Some(Ok(v)) if v.eq_ignore_ascii_case("identity") => false,
        Some(Ok(v)) if v.eq_ignore_ascii_case("gzip") => true,
        Some(v) => {
            let v = v.unwrap_or("?");
            return error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("Content-Encoding {v:?} is not supported: send gzip or plain JSON"),
            );
        }
    };
    let raw = match read_limited(body, limit).await {
        Ok(Some(raw)) => raw,
        Ok(None) => return too_large(&format!("more than {limit} bytes")),
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("cannot read the body: {e}")),
    };
    let bytes = if gzip {
        let mut out = Vec::new();
        let mut decoder = flate2::read::GzDecoder::new(&raw[..]).take(limit + 1);
        if let Err(e) = decoder.read_to_end(&mut out) {
            return error(StatusCode::BAD_REQUEST, format!("the gzip body is damaged: {e}"));
        }
        if out.len() as u64 > limit {
            return too_large(&format!("more than {limit} bytes once decompressed"));
        }
        out
    } else {
        raw
    };
    if let Err(e) = parse_request(&bytes, &state.options.validate_options()) {
        return refused(&e);
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return error(StatusCode::BAD_REQUEST, "the request is not UTF-8");
    };
    let mut token = [0u8; 32];
    if getrandom::fill(&mut token).is_err() {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "no random numbers for the job token");
    }
    let token = to_hex(&token);
    let store = state.store.clone();
    let queue = state.queue.clone();
    let hash = sha256_hex(token.as_bytes());
    let pushed = tokio::task::spawn_blocking(move || {
        queue.push_new(|| {
            let row = store.insert(&project, &text, &hash, now_ms())?;
            Ok::<_, crate::StoreError>((row.id, row))
        })
    })
    .await;
    let row = match pushed {
        Ok(Ok(Push::Queued(row))) => row,
        Ok(Ok(Push::Full)) => {
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "the queue is full ({} jobs waiting): try again later",
                    state.options.queue_capacity
                ),
            );
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            return r;
        }
        Ok(Ok(Push::Stopping)) => {
            let mut r = error(StatusCode::SERVICE_UNAVAILABLE, "the server is stopping");
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            return r;
        }
        Ok(Err(e)) => return error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    log(&state.options, format_args!("job {}: Queued", row.id));
    let base = base_url(&state, &headers);
    let mut response = json_response(StatusCode::OK, &job_json(&state, &row, &base));
    if let Ok(v) = HeaderValue::from_str(&token) {
        response.headers_mut().insert("x-job-token", v);
    }
    response
}

/// The body, or `None` when it is longer than `limit`; stops reading there.
async fn read_limited(body: Body, limit: u64) -> Result<Option<Vec<u8>>, axum::Error> {
    let mut body = body;
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            if (out.len() + data.len()) as u64 > limit {
                return Ok(None);
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(Some(out))
}

/// A 400 naming every violation (or a 413 for a request over the limit).
fn refused(e: &RequestError) -> Response {
    if let RequestError::TooLarge { .. } = e {
        return error(StatusCode::PAYLOAD_TOO_LARGE, e.to_string());
    }
    let violations = match e {
        RequestError::Invalid(v) => {
            v.iter().map(|v| json!({"path": v.path, "message": v.reason})).collect()
        }
        _ => Vec::new(),
    };
    envelope(
        StatusCode::BAD_REQUEST,
        format!("the request was refused: {}", e.lines().join("; ")),
        Some(("violations", Value::Array(violations))),
    )
}

async fn get_job(
    Extract(state): Extract<Shared>,
    Path((project, job_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    match authorized_job(&state, &project, &job_id, &headers).await {
        Ok(row) => {
            let base = base_url(&state, &headers);
            json_response(StatusCode::OK, &job_json(&state, &row, &base))
        }
        Err(response) => response,
    }
}

/// The job `job_id` of `project`, when the request carries the API token or the job's own
/// token (as hosted); otherwise the error response (404 only to holders of the API token).
async fn authorized_job(
    state: &Shared,
    project: &str,
    job_id: &str,
    headers: &HeaderMap,
) -> Result<JobRow, Response> {
    let bearer = bearer_ok(state, headers);
    let job_token = headers.get("x-job-token").map(|v| v.as_bytes().to_vec());
    if !bearer && job_token.is_none() {
        return Err(unauthorized());
    }
    let not_found = || error(StatusCode::NOT_FOUND, format!("no job {job_id:?} in this project"));
    let Ok(id) = job_id.parse::<i64>() else {
        return Err(if bearer { not_found() } else { unauthorized() });
    };
    let store = state.store.clone();
    let project = project.to_string();
    let row = match tokio::task::spawn_blocking(move || store.get(id)).await {
        Ok(Ok(row)) => row.filter(|r| r.project == project),
        Ok(Err(e)) => return Err(error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
        Err(e) => return Err(error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
    };
    let token_ok = |row: &JobRow| {
        job_token
            .as_ref()
            .is_some_and(|t| same(sha256_hex(t).as_bytes(), row.token_hash.as_bytes()))
    };
    match row {
        Some(row) if bearer || token_ok(&row) => Ok(row),
        _ if bearer => Err(not_found()),
        _ => Err(unauthorized()),
    }
}

/// `GET …/convert/{jobId}/viewer`: a signed link to the job's viewer, since a browser
/// cannot send the bearer header. The link reads the viewer and the job's files for
/// `url_lifetime`; the viewer renews it (`viewer/refresh.js`) while the job is kept.
async fn get_viewer(
    Extract(state): Extract<Shared>,
    Path((project, job_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let row = match authorized_job(&state, &project, &job_id, &headers).await {
        Ok(row) => row,
        Err(response) => return response,
    };
    if !matches!(row.status, JobStatus::Completed | JobStatus::Failed) {
        return error(
            StatusCode::CONFLICT,
            format!(
                "job {} is {}: its viewer is there once it has finished",
                row.id,
                status_name(row.status)
            ),
        );
    }
    if !state.store.job_dir(row.id).join("index.html").is_file() {
        return error(
            StatusCode::NOT_FOUND,
            format!("job {} has no viewer: it wrote no SVG pages", row.id),
        );
    }
    let now = (now_ms() / 1000) as u64;
    // Renewable while the job is kept: until it ended plus the retention.
    let until = (row.status_time.max(0) as u64) / 1000 + state.options.retention.as_secs();
    let expires = (now + state.options.url_lifetime.as_secs()).min(until);
    let base = base_url(&state, &headers);
    let prefix = viewer_prefix(&state, &base, row.id, expires, until);
    json_response(
        StatusCode::OK,
        &json!({
            "jobId": row.id,
            "viewerUrl": format!("{prefix}index.html"),
            "expires": expires * 1000,
            "refreshUntil": until * 1000,
        }),
    )
}

/// `<base>/viewer/{job}/{expires}/{until}/{signature}/`.
fn viewer_prefix(state: &State, base: &str, job: i64, expires: u64, until: u64) -> String {
    let signature = state.signer.sign_viewer(job, expires, until);
    format!("{base}/viewer/{job}/{expires}/{until}/{signature}/")
}

/// The viewer's files and the job's files under a viewer capability (see
/// [`Signer::sign_viewer`]); `viewer/job.js` gets the session first, and
/// `viewer/refresh.js` renews the capability.
async fn viewer_file(
    Extract(state): Extract<Shared>,
    Path((job_id, expires, until, signature, path)): Path<(String, String, String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let forbidden = |why: &str| error(StatusCode::FORBIDDEN, why.to_string());
    let (Ok(id), Ok(expires), Ok(until)) =
        (job_id.parse::<i64>(), expires.parse::<u64>(), until.parse::<u64>())
    else {
        return error(StatusCode::NOT_FOUND, "no such file");
    };
    if !state.signer.verify_viewer(id, expires, until, &signature) {
        return forbidden("the viewer link's signature does not match");
    }
    if !diagram_convert::key::is_inside(&path) {
        return error(StatusCode::NOT_FOUND, "no such file");
    }
    let now = (now_ms() / 1000) as u64;
    let base = base_url(&state, &headers);
    if path == "viewer/refresh.js" {
        if until < now {
            return forbidden(
                "the viewer link can no longer be renewed: get a new one from the API",
            );
        }
        let fresh = (now + state.options.url_lifetime.as_secs()).min(until);
        let prefix = viewer_prefix(&state, &base, id, fresh, until);
        let script = session_script(&prefix, fresh);
        return script_response(script.into_bytes(), "no-store");
    }
    if expires < now {
        return forbidden("the viewer link has expired: it renews itself while the page is open, or get a new one");
    }
    let Some(bytes) = read_job_file(state.store.job_dir(id), path.clone()).await else {
        return error(StatusCode::NOT_FOUND, "no such file");
    };
    let cache = format!("private, max-age={}", expires - now);
    if path == "viewer/job.js" {
        let prefix = viewer_prefix(&state, &base, id, expires, until);
        let mut script = session_script(&prefix, expires).into_bytes();
        script.extend_from_slice(&bytes);
        return script_response(script, &cache);
    }
    let mut r = (StatusCode::OK, bytes).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(&path)));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(VIEWER_CSP));
    if let Ok(v) = HeaderValue::from_str(&cache) {
        h.insert(header::CACHE_CONTROL, v);
    }
    r
}

/// The viewer loads its own scripts, styles and images and nothing else; its SVG pages
/// (shown as images) embed theirs as data URLs.
const VIEWER_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `DiagramViewer.session({...})`: where the viewer's files are, and until when.
fn session_script(prefix: &str, expires: u64) -> String {
    format!(
        "DiagramViewer.session({});\n",
        json!({"base": prefix, "expires": expires * 1000, "refresh": format!("{prefix}viewer/refresh.js")})
    )
}

fn script_response(bytes: Vec<u8>, cache: &str) -> Response {
    let mut r = (StatusCode::OK, bytes).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Ok(v) = HeaderValue::from_str(cache) {
        h.insert(header::CACHE_CONTROL, v);
    }
    r
}

/// The content type of a file the engine or the viewer writes; anything else is bytes.
fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, e)| e) {
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("dzi") => "application/xml",
        _ => "application/octet-stream",
    }
}

/// The bytes of `path` in the job's folder `dir`, if it is a file whose real path (links
/// followed) is still inside `dir`.
async fn read_job_file(dir: std::path::PathBuf, path: String) -> Option<Vec<u8>> {
    tokio::task::spawn_blocking(move || {
        let real = dir.join(&path).canonicalize()?;
        if !real.starts_with(dir.canonicalize()?) || !real.is_file() {
            return Err(std::io::Error::from(std::io::ErrorKind::NotFound));
        }
        std::fs::read(real)
    })
    .await
    .ok()?
    .ok()
}

/// `http://<Host>` (or the public URL), for the file URLs.
fn base_url(state: &State, headers: &HeaderMap) -> String {
    if let Some(url) = &state.options.public_url {
        return url.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .map_or_else(|| state.options.listen.to_string(), str::to_string);
    format!("http://{host}")
}

/// Percent-encodes a relative path for a URL, `/` kept.
fn url_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The job in the hosted shape, with the `progress` extension and signed absolute URLs.
fn job_json(state: &State, row: &JobRow, base: &str) -> Value {
    let expires = (now_ms() / 1000) as u64 + state.options.url_lifetime.as_secs();
    let sign = |relative: &mut String| {
        let signature = state.signer.sign(row.id, relative, expires);
        *relative = format!(
            "{base}/files/{}/{}?expires={expires}&signature={signature}",
            row.id,
            url_path(relative)
        );
    };
    let finished: Option<Job> = row.result.as_deref().and_then(|r| serde_json::from_str(r).ok());
    let (items, grayscale, pages) = if let Some(mut job) = finished {
        let mut pages = 0;
        let items = job
            .items
            .iter_mut()
            .map(|item| {
                for page in item.results.iter_mut().flatten() {
                    pages += 1;
                    page.png_url.iter_mut().chain(page.svg_url.iter_mut()).for_each(&sign);
                    page.other_urls.values_mut().for_each(&sign);
                }
                hosted_item(&*item, &item.file)
            })
            .collect();
        (items, job.grayscale, (pages, pages))
    } else if let Ok(request) = serde_json::from_str::<ConvertRequest>(&row.request) {
        let items = request.items.iter().map(|i| hosted_item(&i.file, &i.file)).collect();
        let grayscale = state.options.convert.grayscale.unwrap_or(request.grayscale);
        let progress = match (row.status, state.running.get(row.id)) {
            (JobStatus::Running, Some(job)) => {
                let p = job.progress();
                (p.pages_done, p.estimated_total())
            }
            _ => (0, request.items.len()),
        };
        (items, grayscale, progress)
    } else {
        (Vec::new(), true, (0, 0))
    };
    let mut job = json!({
        "jobId": row.id,
        "status": status_name(row.status),
        "createdTime": row.created_time,
        "startTime": row.start_time.unwrap_or(row.created_time),
        "statusTime": row.status_time,
        "grayscale": grayscale,
        "items": items,
        "progress": {"pagesDone": pages.0, "pagesTotal": pages.1},
    });
    if let Some(message) = &row.error_message {
        job["errorMessage"] = Value::String(message.clone());
    }
    job
}

/// An item as the SDK reads it, from a result item or, while the job waits, from the
/// request's file reference: `fileId` first (the given or the assigned one), the file
/// reference, `results` always (empty while queued or when the file failed), the rest.
fn hosted_item(item: &impl serde::Serialize, file: &diagram_core::FileRef) -> Value {
    let mut item = match serde_json::to_value(item) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    let mut out = Map::new();
    let id = item.remove("fileId").unwrap_or_else(|| Value::from(assigned_file_id(file)));
    out.insert("fileId".into(), id);
    for key in ["fileExternalId", "fileInstanceId"] {
        if let Some(v) = item.remove(key) {
            out.insert(key.into(), v);
        }
    }
    out.insert("results".into(), item.remove("results").unwrap_or(Value::Array(Vec::new())));
    out.extend(item);
    Value::Object(out)
}

async fn get_file(
    Extract(state): Extract<Shared>,
    Path((job_id, path)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let not_found = || error(StatusCode::NOT_FOUND, "no such file");
    let Ok(id) = job_id.parse::<i64>() else {
        return not_found();
    };
    // A path that could leave the job's folder is not a file of ours.
    if !diagram_convert::key::is_inside(&path) {
        return not_found();
    }
    let forbidden = |why: &str| error(StatusCode::FORBIDDEN, why.to_string());
    let (Some(expires), Some(signature)) = (query.get("expires"), query.get("signature")) else {
        return forbidden("the URL is not signed");
    };
    let Ok(expires) = expires.parse::<u64>() else {
        return forbidden("the URL's signature does not match");
    };
    // A tile pyramid's descriptor URL also signs its tiles: a viewer (OpenSeadragon)
    // makes each tile's URL from the descriptor's, keeping its query string.
    let signed = state.signer.verify(id, &path, expires, signature)
        || tile_descriptor(&path).is_some_and(|d| state.signer.verify(id, &d, expires, signature));
    if !signed {
        return forbidden("the URL's signature does not match");
    }
    let now = (now_ms() / 1000) as u64;
    if expires < now {
        return forbidden("the URL has expired: get the job again for fresh URLs");
    }
    let Some(bytes) = read_job_file(state.store.job_dir(id), path.clone()).await else {
        return not_found();
    };
    let mut r = (StatusCode::OK, bytes).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(&path)));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Our SVGs need no script and load nothing; say so, in case one is opened directly.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("private, max-age={}", expires - now)) {
        h.insert(header::CACHE_CONTROL, v);
    }
    r
}

/// The descriptor of a tile pyramid's tile: `<dir>/page-<n>_files/<level>/<col>_<row>.png`
/// is a tile of `<dir>/page-<n>.dzi`.
fn tile_descriptor(path: &str) -> Option<String> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mut parts = path.rsplitn(4, '/');
    let (tile, level, folder) = (parts.next()?, parts.next()?, parts.next()?);
    let (col, row) = tile.strip_suffix(".png")?.split_once('_')?;
    let page = folder.strip_prefix("page-")?.strip_suffix("_files")?;
    if !(digits(col) && digits(row) && digits(level) && digits(page)) {
        return None;
    }
    Some(match parts.next() {
        Some(dir) => format!("{dir}/page-{page}.dzi"),
        None => format!("page-{page}.dzi"),
    })
}

async fn healthz(Extract(state): Extract<Shared>) -> Response {
    json_response(StatusCode::OK, &json!({"status": "ok", "queued": state.queue.len()}))
}

async fn openapi() -> Response {
    let mut r = (StatusCode::OK, OPENAPI).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_paths_are_encoded_so_that_the_router_decodes_them_back() {
        assert_eq!(url_path("PH-ME-P-0003-001/page-1.png"), "PH-ME-P-0003-001/page-1.png");
        assert_eq!(url_path("a%20b~2/page-1.svg"), "a%2520b~2/page-1.svg");
        assert_eq!(url_path("sp/x y?#"), "sp/x%20y%3F%23");
    }

    #[test]
    fn a_descriptor_signs_only_its_own_tiles() {
        assert_eq!(tile_descriptor("k/page-2_files/12/3_4.png").as_deref(), Some("k/page-2.dzi"));
        assert_eq!(
            tile_descriptor("s/k/page-1_files/0/0_0.png").as_deref(),
            Some("s/k/page-1.dzi")
        );
        for not_a_tile in [
            "k/page-2.png",
            "k/page-2_files/12/3_4.svg",
            "k/page-2_files/12/3_4.png/x",
            "k/page-2_files/x/3_4.png",
            "k/page-2_files/12/3-4.png",
            "k/page-_files/12/3_4.png",
            "k/other_files/12/3_4.png",
            "page-2_files/12",
        ] {
            assert_eq!(tile_descriptor(not_a_tile), None, "{not_a_tile}");
        }
    }

    #[test]
    fn comparison_is_exact() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
        assert!(!same(b"", b"a"));
    }

    #[test]
    fn every_route_is_in_the_openapi_document_and_nothing_else() {
        let doc: Value = serde_json::from_str(OPENAPI).unwrap();
        let mut documented: Vec<(String, String)> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, ops)| {
                ops.as_object().unwrap().keys().map(move |m| (m.clone(), path.clone()))
            })
            .filter(|(m, _)| m != "parameters")
            .collect();
        documented.sort();
        let mut routes: Vec<(String, String)> =
            ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
        routes.sort();
        assert_eq!(documented, routes);
    }
}

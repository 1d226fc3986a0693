//! `diagram-convert serve` as a client sees it, over real HTTP on loopback: auth, the
//! error envelope, size limits (declared, streamed and gzip), signed URLs (tampered,
//! expired, leaving the store), the queue limit, a kill -9 in the middle of a job and a
//! graceful stop, each followed by a restart on the same store.
//!
//! The server converts in its default mode, worker processes. Waiting is by polling the
//! job (bounded), never by a fixed sleep standing in for an event.
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde_json::Value;

const TOKEN: &str = "test-token-0123456789";
const FIXTURE: &str = "../../fixtures/golden/pdf-multipage";

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The error envelope's message, checking its shape and code.
    fn error(&self) -> String {
        let v = self.json();
        assert_eq!(v["error"]["code"], self.status, "{v}");
        v["error"]["message"].as_str().expect("a message").to_string()
    }
}

/// One HTTP/1.1 exchange on a new connection.
fn http(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-length")) {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    // A server that answers before reading the body may close the connection meanwhile.
    let _ = s.write_all(body);
    read_reply(s)
}

fn read_reply(s: TcpStream) -> Reply {
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let status: u16 = line.split(' ').nth(1).and_then(|c| c.parse().ok()).expect(&line);
    let mut headers = Vec::new();
    loop {
        line.clear();
        r.read_line(&mut line).unwrap();
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':').expect(l);
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let mut body = Vec::new();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        loop {
            line.clear();
            r.read_line(&mut line).unwrap();
            let n = usize::from_str_radix(line.trim(), 16).unwrap();
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else {
        r.read_to_end(&mut body).unwrap();
    }
    Reply { status, headers, body }
}

fn bearer() -> (&'static str, String) {
    ("Authorization", format!("Bearer {TOKEN}"))
}

struct Server {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(store: &Path, files: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let token = store.parent().unwrap().join("token");
        std::fs::write(&token, format!("  {TOKEN}\n")).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_diagram-convert"));
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--threads", "2", "--files"])
            .arg(files)
            .arg("--store")
            .arg(store)
            .arg("--token-file")
            .arg(&token)
            .args(extra)
            .env_remove("DIAGRAM_CONVERT_SERVE_FAULT")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start the server");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("diagram-convert serve: listening on http://")
                {
                    let _ = tx.send(addr.parse::<SocketAddr>().unwrap());
                }
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("the server did not start: {}", log.lock().unwrap()));
        Server { child, addr, log, reader: Some(reader) }
    }

    /// A server on `store` that kills itself (SIGKILL) right after it stores a job's
    /// first page.
    fn start_crashing(store: &Path) -> Server {
        let fault = [("DIAGRAM_CONVERT_SERVE_FAULT", "kill-after-page")];
        Server::start(store, &fixture_files(), &[], &fault)
    }

    /// Waits for the server to exit and for the last of its log.
    fn wait(&mut self) -> std::process::ExitStatus {
        let status = self.child.wait().unwrap();
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        status
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    fn post(&self, body: &[u8], headers: &[(&str, &str)]) -> Reply {
        let (k, v) = bearer();
        let mut all = vec![(k, v.as_str()), ("Content-Type", "application/json")];
        all.extend_from_slice(headers);
        http(self.addr, "POST", "/api/v1/projects/test/context/diagram/convert", &all, body)
    }

    fn get_job(&self, id: i64) -> Reply {
        let (k, v) = bearer();
        http(self.addr, "GET", &job_path(id), &[(k, &v)], b"")
    }

    /// Polls the job (every 50 ms, for at most 120 s) until `done` holds.
    fn wait_for(&self, id: i64, done: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            let r = self.get_job(id);
            assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
            let job = r.json();
            if done(&job) {
                return job;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "job {id} stuck: {job}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_finished(&self, id: i64) -> Value {
        self.wait_for(id, |j| matches!(j["status"].as_str(), Some("Completed" | "Failed")))
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
        self.wait()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn job_path(id: i64) -> String {
    format!("/api/v1/projects/test/context/diagram/convert/{id}")
}

fn request() -> Vec<u8> {
    std::fs::read(Path::new(FIXTURE).join("request.json")).unwrap()
}

fn fixture_files() -> PathBuf {
    Path::new(FIXTURE).canonicalize().unwrap()
}

/// Every page URL of a finished job: (page, pngUrl, svgUrl).
fn page_urls(job: &Value) -> Vec<(u64, String, String)> {
    job["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["results"].as_array().unwrap().iter())
        .map(|p| {
            (
                p["page"].as_u64().unwrap(),
                p["pngUrl"].as_str().unwrap().to_string(),
                p["svgUrl"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `http://host:port/rest` to `/rest`.
fn target(url: &str) -> &str {
    let rest = url.strip_prefix("http://").unwrap();
    &rest[rest.find('/').unwrap()..]
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// The job's items as the engine's CLI writes them for the same request, to compare
/// the served files with byte for byte.
fn cli_job(out: &Path) -> PathBuf {
    let req = Path::new(FIXTURE).join("request.json");
    let status = Command::new(env!("CARGO_BIN_EXE_diagram-convert"))
        .args(["job", "--quiet", "--threads", "2", "--files"])
        .arg(fixture_files())
        .arg("--out")
        .arg(out)
        .arg(&req)
        .status()
        .unwrap();
    assert!(status.success());
    out.to_path_buf()
}

#[test]
fn converts_like_the_hosted_api_with_signed_urls_and_strict_auth() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let server = Server::start(&store, &fixture_files(), &[], &[]);
    let addr = server.addr;

    // No auth needed for liveness and the API description; the API needs the token.
    assert_eq!(http(addr, "GET", "/healthz", &[], b"").status, 200);
    let doc = http(addr, "GET", "/openapi.json", &[], b"");
    assert_eq!(doc.header("content-type"), Some("application/json"));
    assert!(doc.json()["paths"].is_object());
    let path = "/api/v1/projects/test/context/diagram/convert";
    for auth in
        [None, Some("Bearer wrong"), Some("Basic dGVzdA=="), Some(&*format!("Bearer {TOKEN}x"))]
    {
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", *a)).collect();
        let r = http(addr, "POST", path, &headers, &request());
        assert_eq!(r.status, 401, "{auth:?}");
        assert!(r.error().contains("Bearer"));
        assert_eq!(r.header("www-authenticate"), Some("Bearer"));
        assert_eq!(http(addr, "GET", &job_path(1), &headers, b"").status, 401);
    }

    // A gzip body, as the SDK sends it; the answer is the queued job in the hosted shape.
    let r = server.post(&gzip(&request()), &[("Content-Encoding", "gzip")]);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let token = r.header("x-job-token").expect("X-Job-Token").to_string();
    assert_eq!(token.len(), 64);
    let queued = r.json();
    let id = queued["jobId"].as_i64().unwrap();
    assert_eq!(queued["status"], "Queued");
    for time in ["createdTime", "startTime", "statusTime"] {
        assert!(queued[time].as_i64().unwrap() > 1_700_000_000_000, "{time} in ms: {queued}");
    }
    assert_eq!(queued["startTime"], queued["createdTime"]);
    let item = &queued["items"][0];
    assert_eq!(item["fileExternalId"], "input.pdf");
    let file_id = item["fileId"].as_i64().expect("a numeric fileId");
    assert_eq!(
        file_id,
        diagram_server::assigned_file_id(&diagram_core::FileRef::ExternalId("input.pdf".into()))
    );
    assert_eq!(item["results"], Value::Array(vec![]));

    let job = server.wait_finished(id);
    assert_eq!(job["status"], "Completed", "{job}");
    assert_eq!(job["progress"]["pagesDone"], 3);
    assert_eq!(job["progress"]["pagesTotal"], 3);
    assert_eq!(job["items"][0]["fileId"], file_id);
    assert!(job["startTime"].as_i64() >= job["createdTime"].as_i64());
    assert!(job["statusTime"].as_i64() >= job["startTime"].as_i64());

    // The job's own token is enough to poll it, without the API token; a wrong one is not.
    let r = http(addr, "GET", &job_path(id), &[("X-Job-Token", &token)], b"");
    assert_eq!(r.status, 200);
    // Its last digit changed (a fixed "0" would be the token itself one time in 16).
    let wrong = format!("{}{}", &token[..63], if token.ends_with('0') { '1' } else { '0' });
    assert_eq!(http(addr, "GET", &job_path(id), &[("X-Job-Token", &wrong)], b"").status, 401);

    // The files, fetched with no Authorization header, are the CLI's bytes for the same
    // request, with the right content types.
    let cli = cli_job(&dir.path().join("cli"));
    let urls = page_urls(&job);
    assert_eq!(urls.iter().map(|u| u.0).collect::<Vec<_>>(), vec![1, 2, 3]);
    for (page, png, svg) in &urls {
        for (url, ext, kind) in [(png, "png", "image/png"), (svg, "svg", "image/svg+xml")] {
            assert!(url.starts_with(&format!("http://{addr}/files/{id}/")), "{url}");
            let r = http(addr, "GET", target(url), &[], b"");
            assert_eq!(r.status, 200, "{url}: {}", String::from_utf8_lossy(&r.body));
            assert_eq!(r.header("content-type"), Some(kind));
            assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
            let want = std::fs::read(cli.join(format!("input/page-{page}.{ext}"))).unwrap();
            assert!(r.body == want, "page {page} {ext} differs from the CLI's");
        }
    }

    // Tampered URLs: another file, another job, a changed expiry or signature.
    let (_, png, _) = &urls[0];
    let t = target(png);
    for tampered in [
        t.replace("page-1.png", "page-2.png"),
        t.replacen(&format!("/files/{id}/"), &format!("/files/{}/", id + 1), 1),
        {
            let e = t.find("expires=").unwrap() + "expires=".len();
            format!("{}9{}", &t[..e], &t[e..])
        },
        format!("{}{}", &t[..t.len() - 1], if t.ends_with('0') { '1' } else { '0' }),
        t[..t.find('?').unwrap()].to_string(),
    ] {
        let r = http(addr, "GET", &tampered, &[], b"");
        assert_eq!(r.status, 403, "{tampered}");
        r.error();
    }
    // A URL correctly signed with the store's key but expired.
    let key = store_key(&store);
    let sign = |path: &str, expires: u64| hmac_hex(&key, &format!("{id}/{path}\n{expires}"));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let fresh = format!(
        "/files/{id}/input/page-1.png?expires={}&signature={}",
        now + 60,
        sign("input/page-1.png", now + 60)
    );
    assert_eq!(
        http(addr, "GET", &fresh, &[], b"").status,
        200,
        "the test signs as the server does"
    );
    let expired = format!(
        "/files/{id}/input/page-1.png?expires={}&signature={}",
        now - 1,
        sign("input/page-1.png", now - 1)
    );
    let r = http(addr, "GET", &expired, &[], b"");
    assert_eq!(r.status, 403);
    assert!(r.error().contains("expired"));
    // Signed, but naming nothing: 404; paths that try to leave the job's folder: 404.
    let absent = format!(
        "/files/{id}/input/page-9.png?expires={}&signature={}",
        now + 60,
        sign("input/page-9.png", now + 60)
    );
    assert_eq!(http(addr, "GET", &absent, &[], b"").status, 404);
    for escape in [
        "../jobs.sqlite",
        "../../signing-key",
        "%2e%2e/%2e%2e/signing-key",
        "input/../../1/input/page-1.png",
    ] {
        let q = format!(
            "/files/{id}/{escape}?expires={}&signature={}",
            now + 60,
            sign(escape, now + 60)
        );
        let r = http(addr, "GET", &q, &[], b"");
        assert_eq!(r.status, 404, "{escape}");
    }

    // Jobs that do not exist, or not in this project: 404.
    for p in [
        job_path(id + 100),
        job_path(-1),
        "/api/v1/projects/test/context/diagram/convert/abc".to_string(),
        format!("/api/v1/projects/other/context/diagram/convert/{id}"),
    ] {
        let (k, v) = bearer();
        let r = http(addr, "GET", &p, &[(k, &v)], b"");
        assert_eq!(r.status, 404, "{p}");
        r.error();
    }
    let (k, v) = bearer();
    assert_eq!(http(addr, "GET", "/api/v1/nothing", &[(k, &v)], b"").status, 404);
    assert_eq!(http(addr, "DELETE", &job_path(id), &[(k, &v)], b"").status, 405);

    // No request handled here came back 5xx.
    assert!(!server.log().lines().any(|l| l.contains(" 50")), "{}", server.log());
}

#[test]
fn refuses_bad_and_oversized_requests_in_the_envelope() {
    let dir = tempfile::tempdir().unwrap();
    let server =
        Server::start(&dir.path().join("store"), &fixture_files(), &["--max-request", "1"], &[]);

    // Every violation, by its JSON path, in one 400.
    let bad = br#"{"items": [{"fileExternalId": "input.pdf", "annotations": [
        {"text": "A", "region": {"shape": "rectangle", "page": 0,
         "vertices": [{"x": 0.1, "y": 0.1}, {"x": 1.2, "y": 0.1}, {"x": 0.2, "y": 0.2}, {"x": 0.1, "y": 0.2}]}}]}]}"#;
    let r = server.post(bad, &[]);
    assert_eq!(r.status, 400);
    let message = r.error();
    assert!(message.contains("items[0].annotations[0].region.page"), "{message}");
    assert!(message.contains("items[0].annotations[0].region.vertices[1].x"), "{message}");
    let violations = r.json()["error"]["violations"].as_array().unwrap().len();
    assert_eq!(violations, 2);
    let r = server.post(b"{not json", &[]);
    assert_eq!(r.status, 400);
    r.error();
    assert_eq!(server.post(&request(), &[("Content-Encoding", "br")]).status, 415);
    assert_eq!(server.post(b"\x1f\x8b\x08garbage", &[("Content-Encoding", "gzip")]).status, 400);

    // Over the limit by its Content-Length: refused before the body is sent at all.
    let r = server.post(b"", &[("Content-Length", "1048577")]);
    assert_eq!(r.status, 413);
    assert!(r.error().contains("1048577 bytes"));
    // Over the limit in fact, with no length given (chunked): one chunk one byte too
    // long, and no end (so the server has read all that was sent when it answers).
    let mut s = TcpStream::connect(server.addr).unwrap();
    let (k, v) = bearer();
    write!(
        s,
        "POST /api/v1/projects/test/context/diagram/convert HTTP/1.1\r\nHost: x\r\n{k}: {v}\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n",
        (1 << 20) + 1
    )
    .unwrap();
    s.write_all(&vec![b' '; (1 << 20) + 1]).unwrap();
    let r = read_reply(s);
    assert_eq!(r.status, 413);
    r.error();
    // A gzip bomb: 100 KB that inflate to 100 MB.
    let bomb = gzip(&vec![b' '; 100 << 20]);
    assert!(bomb.len() < 1 << 20);
    let r = server.post(&bomb, &[("Content-Encoding", "gzip")]);
    assert_eq!(r.status, 413);
    assert!(r.error().contains("decompressed"));
    // Just under the limit is taken (whitespace pads the JSON).
    let mut padded = request();
    padded.resize((1 << 20) - 1, b' ');
    assert_eq!(server.post(&gzip(&padded), &[("Content-Encoding", "gzip")]).status, 200);
    assert!(!server.log().lines().any(|l| l.contains(" 50")), "{}", server.log());
}

#[test]
fn a_full_queue_answers_429_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let hold = dir.path().join("hold");
    std::fs::write(&hold, b"").unwrap();
    let fault = format!("pause-while:{}", hold.display());
    let server = Server::start(
        &dir.path().join("store"),
        &fixture_files(),
        &["--queue", "1", "--concurrent-jobs", "1"],
        &[("DIAGRAM_CONVERT_SERVE_FAULT", &fault)],
    );
    let first = server.post(&request(), &[]).json()["jobId"].as_i64().unwrap();
    server.wait_for(first, |j| j["status"] == "Running");
    let second = server.post(&request(), &[]);
    assert_eq!(second.status, 200, "one job may wait");
    let r = server.post(&request(), &[]);
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").unwrap().parse::<u32>().unwrap() >= 1);
    assert!(r.error().contains("queue is full"));
    // The GET of a running or queued job is served meanwhile, with its items.
    let job = server.get_job(second.json()["jobId"].as_i64().unwrap()).json();
    assert_eq!(job["status"], "Queued");
    assert_eq!(job["items"][0]["results"], Value::Array(vec![]));
    std::fs::remove_file(&hold).unwrap();
    let second = second.json()["jobId"].as_i64().unwrap();
    assert_eq!(server.wait_finished(first)["status"], "Completed");
    assert_eq!(server.wait_finished(second)["status"], "Completed");
    assert_eq!(server.post(&request(), &[]).status, 200, "room again");
    assert!(!server.log().lines().any(|l| l.contains(" 50")), "{}", server.log());
}

#[test]
fn a_kill_9_in_the_middle_of_a_job_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    // A job finished before the crash, which must still be there after it.
    let calm = Server::start(&store, &fixture_files(), &[], &[]);
    let done_before = calm.post(&request(), &[]).json()["jobId"].as_i64().unwrap();
    assert_eq!(calm.wait_finished(done_before)["status"], "Completed");
    drop(calm);
    let mut server = Server::start_crashing(&store);
    let r = server.post(&request(), &[]);
    assert_eq!(r.status, 200);
    let id = r.json()["jobId"].as_i64().unwrap();
    // The server kills itself after storing the job's first page.
    let status = server.wait();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(9), "{}", server.log());
    assert!(server.log().contains(&format!("job {id}: Queued -> Running")));
    drop(server);

    let server = Server::start(&store, &fixture_files(), &[], &[]);
    assert!(server.log().contains(&format!("job {id}: Running -> Queued")), "{}", server.log());
    let job = server.wait_finished(id);
    assert_eq!(job["status"], "Completed", "{job}");
    assert_eq!(page_urls(&job).len(), 3);
    for (_, png, svg) in page_urls(&job) {
        assert_eq!(http(server.addr, "GET", target(&png), &[], b"").status, 200);
        assert_eq!(http(server.addr, "GET", target(&svg), &[], b"").status, 200);
    }

    // Killed at the same point twice, a job is failed with the reason, never run forever,
    // and the other jobs are kept.
    let id2 = server.post(&request(), &[]).json()["jobId"].as_i64().unwrap();
    server.wait_finished(id2);
    drop(server);
    let mut crashing = Server::start_crashing(&store);
    let id3 = crashing.post(&request(), &[]).json()["jobId"].as_i64().unwrap();
    assert_eq!(crashing.wait().signal(), Some(9));
    drop(crashing);
    // On restart it runs again (attempt 2) and brings the server down again.
    let mut crashing = Server::start_crashing(&store);
    assert_eq!(crashing.wait().signal(), Some(9));
    assert!(crashing.log().contains(&format!("job {id3}: Queued -> Running (attempt 2)")));
    drop(crashing);
    let server = Server::start(&store, &fixture_files(), &[], &[]);
    let failed = server.get_job(id3).json();
    assert_eq!(failed["status"], "Failed", "{failed}");
    assert!(failed["errorMessage"].as_str().unwrap().contains("2 times"), "{failed}");
    for kept in [done_before, id, id2] {
        assert_eq!(server.get_job(kept).json()["status"], "Completed");
    }
}

#[test]
fn sigterm_stops_gracefully_and_the_running_job_runs_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let hold = dir.path().join("hold");
    std::fs::write(&hold, b"").unwrap();
    let fault = format!("pause-while:{}", hold.display());
    let server =
        Server::start(&store, &fixture_files(), &[], &[("DIAGRAM_CONVERT_SERVE_FAULT", &fault)]);
    let id = server.post(&request(), &[]).json()["jobId"].as_i64().unwrap();
    server.wait_for(id, |j| j["status"] == "Running");
    let addr = server.addr;
    let log = server.log.clone();
    let stopping = std::thread::spawn(move || server.terminate());
    // Released once the stop has begun: the job sees it is cancelled and goes back.
    while TcpStream::connect(addr).is_ok() {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::remove_file(&hold).unwrap();
    let status = stopping.join().unwrap();
    assert!(status.success(), "{status:?}\n{}", log.lock().unwrap());
    assert!(log
        .lock()
        .unwrap()
        .contains(&format!("job {id}: Running -> Queued: the server is stopping")));

    let server = Server::start(&store, &fixture_files(), &[], &[]);
    let job = server.wait_finished(id);
    assert_eq!(job["status"], "Completed", "{job}");
    assert_eq!(page_urls(&job).len(), 3);
}

#[test]
fn refuses_to_start_without_auth_unless_on_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_diagram-convert"))
            .args(["serve", "--files"])
            .arg(fixture_files())
            .arg("--store")
            .arg(dir.path().join("store"))
            .args(args)
            .env_remove("DIAGRAM_CONVERT_TOKEN")
            .output()
            .unwrap()
    };
    let out = run(&["--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no API token"));
    let out = run(&["--listen", "0.0.0.0:0", "--no-auth"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("without authentication"));
    let empty = dir.path().join("empty-token");
    std::fs::write(&empty, " \n").unwrap();
    let out = run(&["--listen", "127.0.0.1:0", "--token-file", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty"));
}

/// The store's signing key, as bytes.
fn store_key(store: &Path) -> Vec<u8> {
    let key = std::fs::read_to_string(store.join("signing-key")).unwrap();
    let key = key.trim();
    (0..key.len()).step_by(2).map(|i| u8::from_str_radix(&key[i..i + 2], 16).unwrap()).collect()
}

/// The HMAC-SHA256 of `message` under `key` in lower-case hex, as the server signs.
fn hmac_hex(key: &[u8], message: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(message.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_viewer_link_reads_the_job_renews_itself_and_is_refused_when_changed() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let server = Server::start(&store, &fixture_files(), &[], &[]);
    let addr = server.addr;
    let r = server.post(&request(), &[]);
    assert_eq!(r.status, 200);
    let id = r.json()["jobId"].as_i64().unwrap();
    let job_token = r.header("x-job-token").unwrap().to_string();
    let viewer = format!("{}/viewer", job_path(id));
    server.wait_finished(id);

    // The API's credentials, the bearer or the job's own token, get the link.
    assert_eq!(http(addr, "GET", &viewer, &[], b"").status, 401);
    let other = http(
        addr,
        "GET",
        &format!("{}/viewer", job_path(id + 1)),
        &[(bearer().0, &bearer().1)],
        b"",
    );
    assert_eq!(other.status, 404);
    let by_token = http(addr, "GET", &viewer, &[("x-job-token", &job_token)], b"");
    assert_eq!(by_token.status, 200, "{}", String::from_utf8_lossy(&by_token.body));
    let r = http(addr, "GET", &viewer, &[(bearer().0, &bearer().1)], b"");
    assert_eq!(r.status, 200);
    let link = r.json();
    let url = link["viewerUrl"].as_str().unwrap();
    let now_ms =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()
            as u64;
    let expires = link["expires"].as_u64().unwrap();
    assert!(expires > now_ms + 500_000 && expires <= now_ms + 601_000, "10 minutes, as file URLs");
    assert!(
        link["refreshUntil"].as_u64().unwrap() > now_ms + 23 * 3600 * 1000,
        "as long as the job is kept"
    );
    let prefix = url.strip_suffix("index.html").unwrap();
    assert!(prefix.starts_with(&format!("http://{addr}/viewer/{id}/")), "{url}");

    // Under the link: the viewer, its data with the session first, and the job's files.
    let get = |path: &str| http(addr, "GET", &format!("{}{path}", target(prefix)), &[], b"");
    let index = get("index.html");
    assert_eq!(index.status, 200);
    assert_eq!(index.header("content-type"), Some("text/html; charset=utf-8"));
    let csp = index.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("default-src 'none'"), "{csp}");
    assert!(String::from_utf8_lossy(&index.body).contains("viewer/job.js"));
    let job_js = String::from_utf8(get("viewer/job.js").body).unwrap();
    let session_line = job_js.lines().next().unwrap();
    let session: Value = serde_json::from_str(
        session_line.strip_prefix("DiagramViewer.session(").unwrap().strip_suffix(");").unwrap(),
    )
    .unwrap();
    assert_eq!(session["base"], prefix);
    assert_eq!(session["expires"], expires);
    assert!(job_js.lines().nth(1).unwrap().starts_with("DiagramViewer.job({"));
    let overlay = get("viewer/pages/0.js");
    assert_eq!(overlay.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert!(String::from_utf8_lossy(&overlay.body).contains("annotation-0"));
    let png = get("input/page-1.png");
    assert_eq!(png.header("content-type"), Some("image/png"));
    let stored = std::fs::read(store.join(format!("jobs/{id}/input/page-1.png"))).unwrap();
    assert!(png.body == stored, "the job's own PNG");
    assert_eq!(get("input/../../signing-key").status, 404);
    assert_eq!(get("no/such/file.png").status, 404);

    // refresh.js: a new link, later or equal, that works too.
    let refresh = String::from_utf8(get("viewer/refresh.js").body).unwrap();
    let renewed: Value = serde_json::from_str(
        refresh
            .trim_end()
            .strip_prefix("DiagramViewer.session(")
            .unwrap()
            .strip_suffix(");")
            .unwrap(),
    )
    .unwrap();
    let base = renewed["base"].as_str().unwrap();
    assert!(renewed["expires"].as_u64().unwrap() >= expires);
    assert_eq!(renewed["refresh"], format!("{base}viewer/refresh.js"));
    assert_eq!(http(addr, "GET", &format!("{}index.html", target(base)), &[], b"").status, 200);

    // Changed links are refused; an expired one still renews, until its renewal ends.
    let parts: Vec<&str> = target(prefix).trim_matches('/').split('/').collect();
    let (exp, until, sig) = (parts[2], parts[3], parts[4]);
    for changed in [
        format!("/viewer/{}/{exp}/{until}/{sig}/index.html", id + 1),
        format!("/viewer/{id}/{}/{until}/{sig}/index.html", exp.parse::<u64>().unwrap() + 1),
        format!("/viewer/{id}/{exp}/{}/{sig}/viewer/refresh.js", until.parse::<u64>().unwrap() + 1),
        format!("/viewer/{id}/{exp}/{until}/{}/index.html", &sig[1..]),
    ] {
        let r = http(addr, "GET", &changed, &[], b"");
        assert_eq!(r.status, 403, "{changed}");
        assert!(r.error().contains("signature does not match"));
    }
    let key = store_key(&store);
    let sign =
        |expires: u64, until: u64| hmac_hex(&key, &format!("viewer\n{id}\n{expires}\n{until}"));
    let now = now_ms / 1000;
    let link = |expires: u64, until: u64, path: &str| {
        format!("/viewer/{id}/{expires}/{until}/{}/{path}", sign(expires, until))
    };
    assert_eq!(
        http(addr, "GET", &link(now + 60, now + 120, "index.html"), &[], b"").status,
        200,
        "signed as the server signs"
    );
    let expired = http(addr, "GET", &link(now - 5, now + 120, "index.html"), &[], b"");
    assert_eq!(expired.status, 403);
    assert!(expired.error().contains("has expired"));
    let renewed = http(addr, "GET", &link(now - 5, now + 120, "viewer/refresh.js"), &[], b"");
    assert_eq!(renewed.status, 200, "an expired link renews while the job is kept");
    assert_eq!(renewed.header("cache-control"), Some("no-store"));
    let body = String::from_utf8(renewed.body).unwrap();
    assert!(
        body.contains(&format!("\"expires\":{}", (now + 120) * 1000)),
        "never past its renewal: {body}"
    );
    let ended = http(addr, "GET", &link(now - 10, now - 5, "viewer/refresh.js"), &[], b"");
    assert_eq!(ended.status, 403);
    assert!(ended.error().contains("can no longer be renewed"));
    // A file URL's signature is no viewer signature.
    let file_sig = hmac_hex(&key, &format!("{id}/index.html\n{}", now + 60));
    let r = http(
        addr,
        "GET",
        &format!("/viewer/{id}/{}/{}/{file_sig}/index.html", now + 60, now + 60),
        &[],
        b"",
    );
    assert_eq!(r.status, 403);
}

#[test]
fn a_pyramid_is_served_with_its_tiles_under_the_descriptor_s_signature() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let server = Server::start(&store, &fixture_files(), &["--format", "png,dzi"], &[]);
    let addr = server.addr;
    let r = server.post(&request(), &[]);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let id = r.json()["jobId"].as_i64().unwrap();
    let job = server.wait_finished(id);
    assert_eq!(job["status"], "Completed", "{job}");
    let page = &job["items"][0]["results"][0];
    let dzi = page["otherUrls"]["dzi"].as_str().unwrap();
    let (path, query) = target(dzi).split_once('?').unwrap();
    assert_eq!(path, format!("/files/{id}/input/page-1.dzi"));
    let r = http(addr, "GET", target(dzi), &[], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/xml"));
    assert!(String::from_utf8_lossy(&r.body).contains("TileSize=\"254\""));
    // As OpenSeadragon asks for a tile: the descriptor's name with `_files/`, its query.
    let tile = format!("/files/{id}/input/page-1_files/0/0_0.png?{query}");
    let r = http(addr, "GET", &tile, &[], b"");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), Some("image/png"));
    // That signature covers no other page's tiles, and no other file.
    for other in ["input/page-2_files/0/0_0.png", "input/page-1.png", "input/page-1_files/0/x.png"]
    {
        let r = http(addr, "GET", &format!("/files/{id}/{other}?{query}"), &[], b"");
        assert_eq!(r.status, 403, "{other}");
    }
}

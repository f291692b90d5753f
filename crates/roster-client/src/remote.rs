//! The company server, over HTTP: sign-in and the three sync calls of `roster_wire`. A
//! call that fails for a reason that may pass (no route, refused connection, timeout, a
//! 5xx) is retried with exponential backoff and full jitter; the server applies every op
//! at most once by its id, so retrying a push is always safe.

use std::io::Write;
use std::time::Duration;

use flate2::Compression;
use flate2::write::GzEncoder;
use rand::Rng;
use reqwest::header::{ACCEPT, CONTENT_ENCODING, CONTENT_TYPE};
use reqwest::{Method, RequestBuilder, StatusCode};
use roster_core::{Assembly, Envelope, SnapshotPart};
use roster_wire::{
    AuditEntryView, ChangesPage, ChangesQuery, ErrorResponse, PROTOCOL, PROTOCOL_HEADER,
    PushRequest, PushResponse, SNAPSHOT_FRAMES_MEDIA_TYPE, SNAPSHOT_MEDIA_TYPE, SessionGranted,
    SignIn, SnapshotLine, SnapshotResponse, decode_frame,
};
use serde::de::DeserializeOwned;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::error::{ClientError, bad_input};

/// How hard to try before saying the server cannot be reached.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Tries in all, the first included.
    pub attempts: u32,
    /// The first backoff; each next one doubles, up to `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// How long one call may take, connection included. The snapshot stream has no such
    /// bound, since a big company takes as long as the device takes to store it: it fails
    /// when this long passes with nothing new read from it.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 5,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            timeout: Duration::from_secs(60),
        }
    }
}

/// A company server, and the session token once signed in.
#[derive(Clone)]
pub struct Remote {
    http: reqwest::Client,
    base: String,
    token: Option<Zeroizing<String>>,
    retry: RetryPolicy,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("base", &self.base)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

fn install_crypto() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // reqwest leaves the TLS provider to us; ring is the one the workspace already builds.
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Remote {
    /// A server at `url` (`http://` or `https://`, no path beyond `/`).
    pub fn new(url: &str, retry: RetryPolicy) -> Result<Self, ClientError> {
        let base = url.trim().trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&base).map_err(|_| {
            bad_input(format!(
                "“{url}” is not a server address; give one like https://roster.example.com"
            ))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(bad_input(format!(
                "“{url}” is not a server address; give one like https://roster.example.com"
            )));
        }
        install_crypto();
        // `call` bounds each call in all; every read, the snapshot stream's included, is
        // bounded on its own, so a stalled server is given up on either way.
        let http = reqwest::Client::builder()
            .read_timeout(retry.timeout)
            .connect_timeout(retry.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("roster/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| ClientError::Offline {
                server: base.clone(),
                reason: err.to_string(),
            })?;
        Ok(Self {
            http,
            base,
            token: None,
            retry,
        })
    }

    /// The same server with a session token (from the OS keychain).
    pub fn with_token(mut self, token: Zeroizing<String>) -> Self {
        self.token = Some(token);
        self
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    pub fn token(&self) -> Option<&Zeroizing<String>> {
        self.token.as_ref()
    }

    /// Signs in; the token is kept in this `Remote` and answered for the keychain.
    pub async fn sign_in(
        &mut self,
        email: &str,
        password: &str,
    ) -> Result<SessionGranted, ClientError> {
        let body = SignIn {
            email: email.to_owned(),
            password: password.to_owned(),
        };
        let granted: SessionGranted = self
            .call(Method::POST, "/api/v1/auth/sign-in", |r| r.json(&body))
            .await?;
        self.token = Some(Zeroizing::new(granted.token.clone()));
        Ok(granted)
    }

    /// Opens the snapshot stream: its lines are read as they arrive
    /// ([`SnapshotStream::next`]). Retried like any call until the server answers; a cut
    /// after that is the reader's to handle.
    pub async fn snapshot_stream(&self) -> Result<SnapshotStream, ClientError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self
                .attempt(Method::GET, "/api/v1/sync/snapshot", |r| {
                    // Frames, or JSON lines from a server that has none.
                    r.header(
                        ACCEPT,
                        format!("{SNAPSHOT_FRAMES_MEDIA_TYPE}, {SNAPSHOT_MEDIA_TYPE};q=0.5"),
                    )
                })
                .await?
            {
                Ok(response) => return Ok(SnapshotStream::new(self.clone(), response)),
                Err(failure) => self.retry_after(attempt, failure).await?,
            }
        }
    }

    /// The whole snapshot, read into memory; downloaded again from the start if the
    /// connection is cut mid-way. A server that cannot be reached at all is reported once
    /// [`Remote::snapshot_stream`] has tried, not tried again.
    pub async fn snapshot(&self) -> Result<SnapshotResponse, ClientError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let stream = self.snapshot_stream().await?;
            match stream.read_whole().await {
                Err(ClientError::Offline { reason, .. }) => {
                    self.retry_after(attempt, reason).await?;
                }
                read => return read,
            }
        }
    }

    /// Pushes `ops`; with `pull`, the answer carries the changes after that cursor too.
    pub async fn push(
        &self,
        ops: &[Envelope],
        pull: Option<ChangesQuery>,
    ) -> Result<PushResponse, ClientError> {
        let body = gzip_json(&PushRequest {
            ops: ops.to_vec(),
            pull,
        })?;
        self.call(Method::POST, "/api/v1/sync/push", |r| {
            r.header(CONTENT_TYPE, "application/json")
                .header(CONTENT_ENCODING, "gzip")
                .body(body.clone())
        })
        .await
    }

    pub async fn changes(&self, query: &ChangesQuery) -> Result<ChangesPage, ClientError> {
        self.call(Method::GET, "/api/v1/sync/changes", |r| r.query(query))
            .await
    }

    /// One call, retried while the failure may pass.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: impl Fn(RequestBuilder) -> RequestBuilder,
    ) -> Result<T, ClientError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failure = match self
                .attempt(method.clone(), path, |r| {
                    body(r).timeout(self.retry.timeout)
                })
                .await?
            {
                Ok(response) => match response.json::<T>().await {
                    Ok(value) => return Ok(value),
                    // Cut mid-body: as good as no answer.
                    Err(err) if err.is_body() || err.is_timeout() => err.to_string(),
                    Err(err) => return Err(self.unreadable(&err)),
                },
                Err(failure) => failure,
            };
            self.retry_after(attempt, failure).await?;
        }
    }

    /// Sends one request: the successful response, with its body still to read; or, as
    /// `Ok(Err(reason))`, a failure that may pass; or a refusal that will not.
    async fn attempt(
        &self,
        method: Method,
        path: &str,
        body: impl Fn(RequestBuilder) -> RequestBuilder,
    ) -> Result<Result<reqwest::Response, String>, ClientError> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(PROTOCOL_HEADER, PROTOCOL.to_string());
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.as_str());
        }
        Ok(match body(request).send().await {
            Ok(response) if response.status().is_success() => Ok(response),
            Ok(response) if response.status().is_server_error() => {
                Err(format!("the server answered {}", response.status()))
            }
            Ok(response) => return Err(self.refusal(response).await),
            Err(err) => Err(describe(&err)),
        })
    }

    /// Waits before try `attempt + 1`, or gives up with `failure` if that was the last.
    pub(crate) async fn retry_after(
        &self,
        attempt: u32,
        failure: String,
    ) -> Result<(), ClientError> {
        if attempt >= self.retry.attempts {
            return Err(ClientError::Offline {
                server: self.base.clone(),
                reason: failure,
            });
        }
        tokio::time::sleep(self.backoff(attempt)).await;
        Ok(())
    }

    pub(crate) fn unreadable(&self, err: &dyn std::fmt::Display) -> ClientError {
        ClientError::Server {
            code: "bad_response".into(),
            message: format!(
                "the server at {} answered something this Roster cannot read ({err}); is it a Roster company server?",
                self.base
            ),
        }
    }

    /// Full jitter: a random wait up to the capped exponential delay, so devices that lost
    /// the server together do not come back together.
    fn backoff(&self, attempt: u32) -> Duration {
        let cap = self
            .retry
            .base_delay
            .saturating_mul(1 << attempt.min(16))
            .min(self.retry.max_delay);
        let millis = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX).max(1);
        Duration::from_millis(rand::rng().random_range(0..=millis))
    }

    /// A 4xx: the server's `{code, message}`, made into what the admin should do.
    async fn refusal(&self, response: reqwest::Response) -> ClientError {
        let status = response.status();
        let body = response.json::<ErrorResponse>().await.ok();
        let (code, message) = match body {
            Some(ErrorResponse { code, message }) => (code, message),
            None => (
                status.as_u16().to_string(),
                format!("the server at {} answered {status}", self.base),
            ),
        };
        match status {
            StatusCode::UNAUTHORIZED if self.token.is_some() => ClientError::Server {
                code: "session_expired".into(),
                message: "Your session with the company server has ended (expired, signed out, or your account changed). \
                          Sign in again with `roster login`; your queued changes are kept."
                    .into(),
            },
            _ => ClientError::Server { code, message },
        }
    }
}

/// The snapshot as the server streams it, one [`SnapshotLine`] at a time.
#[derive(Debug)]
pub struct SnapshotStream {
    remote: Remote,
    response: reqwest::Response,
    /// Binary frames (`roster_wire::frames`) or JSON lines, as the server chose.
    frames: bool,
    /// Bytes received and not yet handed out as lines.
    buffer: Vec<u8>,
    /// How much of `buffer` is known to hold no line break.
    scanned: usize,
    /// The records of the parts handed out, for the `end` line to count.
    tally: PartTally,
    /// The audit entries read, not yet taken.
    audit: Vec<AuditEntryView>,
}

impl SnapshotStream {
    fn new(remote: Remote, response: reqwest::Response) -> Self {
        let frames = response.headers().get(CONTENT_TYPE).is_some_and(|value| {
            value
                .as_bytes()
                .starts_with(SNAPSHOT_FRAMES_MEDIA_TYPE.as_bytes())
        });
        Self {
            remote,
            response,
            frames,
            buffer: Vec::new(),
            scanned: 0,
            tally: PartTally::default(),
            audit: Vec::new(),
        }
    }

    /// The next line; `None` once the body ends. A cut connection is `Offline` (the
    /// caller may start again); a line this Roster cannot read is `bad_response`.
    pub async fn next(&mut self) -> Result<Option<SnapshotLine>, ClientError> {
        if self.frames {
            return self.next_frame().await;
        }
        loop {
            if let Some(at) = self.buffer[self.scanned..].iter().position(|&b| b == b'\n') {
                let end = self.scanned + at;
                let line = serde_json::from_slice(&self.buffer[..end])
                    .map_err(|err| self.remote.unreadable(&err));
                self.buffer.drain(..=end);
                self.scanned = 0;
                return line.map(Some);
            }
            self.scanned = self.buffer.len();
            match self.response.chunk().await {
                Ok(Some(chunk)) => self.buffer.extend_from_slice(&chunk),
                Ok(None) if self.buffer.iter().all(u8::is_ascii_whitespace) => return Ok(None),
                Ok(None) => {
                    // The last line without its line break.
                    self.buffer.push(b'\n');
                }
                Err(err) => {
                    return Err(ClientError::Offline {
                        server: self.remote.base.clone(),
                        reason: format!("the snapshot's download was cut ({})", describe(&err)),
                    });
                }
            }
        }
    }

    /// The next frame of a framed snapshot; `None` once the body ends between frames.
    async fn next_frame(&mut self) -> Result<Option<SnapshotLine>, ClientError> {
        loop {
            match decode_frame(&self.buffer) {
                Ok(Some((line, used))) => {
                    self.buffer.drain(..used);
                    return Ok(Some(line));
                }
                Ok(None) => {}
                Err(err) => return Err(self.remote.unreadable(&err)),
            }
            match self.response.chunk().await {
                Ok(Some(chunk)) => self.buffer.extend_from_slice(&chunk),
                Ok(None) if self.buffer.is_empty() => return Ok(None),
                // A frame begun and not finished: the stream was cut.
                Ok(None) => return Err(self.cut()),
                Err(err) => {
                    return Err(ClientError::Offline {
                        server: self.remote.base.clone(),
                        reason: format!("the snapshot's download was cut ({})", describe(&err)),
                    });
                }
            }
        }
    }

    /// The stream's first line: the change-log sequence number the snapshot holds, and the
    /// account it was made for.
    pub async fn head(&mut self) -> Result<(i64, Uuid), ClientError> {
        match self.next().await? {
            Some(SnapshotLine::Head { seq, account }) => Ok((seq, account)),
            _ => Err(self
                .remote
                .unreadable(&"the snapshot did not begin with its head")),
        }
    }

    /// The next part after the head; `None` once the `end` line has come and counts the
    /// records that came. Audit entries on the way are kept for [`Self::take_audit`]. A
    /// second head, a cut before the `end`, or an `end` that counts other records than
    /// came is an error.
    pub(crate) async fn next_part(&mut self) -> Result<Option<SnapshotPart>, ClientError> {
        loop {
            match self.next().await? {
                Some(SnapshotLine::Part(part)) => {
                    self.tally.count(&part);
                    return Ok(Some(part));
                }
                Some(SnapshotLine::Audit(entries)) => self.audit.extend(entries),
                Some(SnapshotLine::End { records }) => {
                    self.tally.end(records, &self.remote)?;
                    return Ok(None);
                }
                Some(SnapshotLine::Head { .. }) => {
                    return Err(self.remote.unreadable(&"the snapshot has two heads"));
                }
                None => return Err(self.cut()),
            }
        }
    }

    /// The audit entries read so far (all of them once [`Self::next_part`] has answered
    /// `None`).
    pub(crate) fn take_audit(&mut self) -> Vec<AuditEntryView> {
        std::mem::take(&mut self.audit)
    }

    /// Every line, put together; refused unless the stream ends as the protocol says.
    async fn read_whole(mut self) -> Result<SnapshotResponse, ClientError> {
        let (seq, account) = self.head().await?;
        let mut assembly = Assembly::new();
        while let Some(part) = self.next_part().await? {
            assembly.add(part)?;
        }
        Ok(SnapshotResponse {
            seq,
            account,
            snapshot: assembly.finish()?,
            audit: self.take_audit(),
        })
    }

    /// A stream that ended without its `end` line.
    fn cut(&self) -> ClientError {
        ClientError::Offline {
            server: self.remote.base.clone(),
            reason: "the snapshot's download ended before its last line".into(),
        }
    }
}

/// Counts the records of the parts that came, to hold them to the stream's `end` line.
#[derive(Debug, Default)]
struct PartTally(u64);

impl PartTally {
    fn count(&mut self, part: &SnapshotPart) {
        self.0 += part.len() as u64;
    }

    /// Refuses a stream whose `end` counts other records than came.
    fn end(&self, records: u64, remote: &Remote) -> Result<(), ClientError> {
        if records == self.0 {
            Ok(())
        } else {
            Err(remote.unreadable(&format!(
                "the snapshot's last line counts {records} records, but {} came",
                self.0
            )))
        }
    }
}

/// `value` as gzip-compressed JSON. A push repeats its keys and ids from op to op, so it
/// shrinks to a fraction; the fastest level keeps a 500-op batch to a few milliseconds.
fn gzip_json(value: &impl serde::Serialize) -> Result<Vec<u8>, ClientError> {
    let json = serde_json::to_vec(value)
        .map_err(|err| bad_input(format!("a request could not be written: {err}")))?;
    let mut encoder = GzEncoder::new(Vec::with_capacity(json.len() / 3), Compression::fast());
    encoder
        .write_all(&json)
        .and_then(|()| encoder.finish())
        .map_err(|err| bad_input(format!("a request could not be compressed: {err}")))
}

fn describe(err: &reqwest::Error) -> String {
    if let Some(tls) = tls_failure(err) {
        format!(
            "its certificate is not trusted here: {tls}. If your company signs its own certificates, add its certificate authority to this computer's trusted certificates"
        )
    } else if err.is_timeout() {
        "the request timed out".to_owned()
    } else if err.is_connect() {
        "could not connect".to_owned()
    } else {
        // reqwest's message names the URL and the failure, never a header or body.
        err.to_string()
    }
}

/// The TLS refusal under a connection error, if that is what it was: "could not connect"
/// would send an admin looking at the network when the certificate is the problem.
fn tls_failure(err: &reqwest::Error) -> Option<String> {
    std::error::Error::source(err)
        .and_then(find_rustls)
        .map(ToString::to_string)
}

fn find_rustls<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(tls) = err.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    // hyper-rustls hands the refusal up inside io::Errors, whose `source()` skips the
    // error they wrap.
    if let Some(inner) = err
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
        && let Some(tls) = find_rustls(inner)
    {
        return Some(tls);
    }
    err.source().and_then(find_rustls)
}

#[cfg(test)]
mod tests {
    use roster_core::{App, AppId, Company, Name};

    use super::*;

    const ACCOUNT: Uuid = Uuid::from_u128(7);

    fn head() -> SnapshotLine {
        SnapshotLine::Head {
            seq: 42,
            account: ACCOUNT,
        }
    }

    fn company() -> SnapshotLine {
        SnapshotLine::Part(SnapshotPart::Company(Company {
            name: Name::parse("Example AG").expect("a valid name"),
        }))
    }

    fn apps(count: u128) -> SnapshotLine {
        SnapshotLine::Part(SnapshotPart::Apps(
            (0..count)
                .map(|i| App {
                    id: AppId::from_uuid(Uuid::from_u128(i + 1)),
                    name: Name::parse(&format!("App {i}")).expect("a valid name"),
                })
                .collect(),
        ))
    }

    fn audit(seqs: &[i64]) -> SnapshotLine {
        SnapshotLine::Audit(
            seqs.iter()
                .map(|&seq| AuditEntryView {
                    seq,
                    at: 1_764_000_000_000,
                    actor: "ada@example.com".into(),
                    from: "192.0.2.1".into(),
                    outcome: "applied".into(),
                    action: "member_invited".into(),
                    summary: format!("entry {seq}"),
                    changes: serde_json::Value::Array(Vec::new()),
                })
                .collect(),
        )
    }

    fn end(records: u64) -> SnapshotLine {
        SnapshotLine::End { records }
    }

    /// A snapshot stream whose body is `lines`, one per line. The real server never sends a
    /// malformed stream, so the reader's refusals are shown on bodies made here.
    fn stream_of(lines: &[SnapshotLine]) -> SnapshotStream {
        let body: String = lines
            .iter()
            .map(|line| serde_json::to_string(line).expect("a line") + "\n")
            .collect();
        answering(SNAPSHOT_MEDIA_TYPE, body.into_bytes())
    }

    /// A snapshot stream whose body is `lines` in binary frames.
    fn framed_stream_of(lines: &[SnapshotLine]) -> SnapshotStream {
        let body = lines
            .iter()
            .flat_map(|line| roster_wire::encode_frame(line).expect("a frame"))
            .collect();
        answering(SNAPSHOT_FRAMES_MEDIA_TYPE, body)
    }

    fn answering(media_type: &str, body: Vec<u8>) -> SnapshotStream {
        let response = http::Response::builder()
            .header(CONTENT_TYPE, media_type)
            .body(body)
            .expect("a response");
        SnapshotStream::new(
            Remote::new("http://127.0.0.1:9", RetryPolicy::default()).expect("a server address"),
            reqwest::Response::from(response),
        )
    }

    /// `lines` as each format streams them: the reader holds both to the same protocol.
    fn streams_of(lines: &[SnapshotLine]) -> [(&'static str, SnapshotStream); 2] {
        [
            ("JSON lines", stream_of(lines)),
            ("frames", framed_stream_of(lines)),
        ]
    }

    fn is_unreadable(result: &Result<impl std::fmt::Debug, ClientError>, says: &str) -> bool {
        matches!(result, Err(ClientError::Server { code, message })
            if code == "bad_response" && message.contains(says))
    }

    #[tokio::test]
    async fn a_whole_stream_is_put_back_together_with_its_head() {
        for (format, stream) in streams_of(&[head(), company(), apps(3), audit(&[1]), end(4)]) {
            let read = stream.read_whole().await.expect(format);
            assert_eq!((read.seq, read.account), (42, ACCOUNT), "{format}");
            assert_eq!(read.snapshot.company.name.as_str(), "Example AG");
            assert_eq!(read.snapshot.apps.len(), 3, "{format}");
            assert_eq!(read.audit.len(), 1, "{format}");
        }
    }

    #[tokio::test]
    async fn a_stream_whose_end_counts_other_records_than_came_is_refused() {
        for (format, stream) in streams_of(&[head(), company(), apps(3), end(5)]) {
            let read = stream.read_whole().await;
            assert!(
                is_unreadable(&read, "counts 5 records, but 4 came"),
                "{format}: {read:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_stream_cut_before_its_end_is_a_lost_connection_to_try_again() {
        for (format, stream) in streams_of(&[head(), company(), apps(3)]) {
            let read = stream.read_whole().await;
            assert!(
                matches!(&read, Err(ClientError::Offline { reason, .. })
                    if reason.contains("ended before its last line")),
                "{format}: {read:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_frame_cut_half_way_is_a_lost_connection_and_a_corrupt_one_is_refused() {
        let whole: Vec<u8> = [head(), company(), apps(3), end(4)]
            .iter()
            .flat_map(|line| roster_wire::encode_frame(line).expect("a frame"))
            .collect();
        let cut = answering(
            SNAPSHOT_FRAMES_MEDIA_TYPE,
            whole[..whole.len() - 3].to_vec(),
        )
        .read_whole()
        .await;
        assert!(
            matches!(&cut, Err(ClientError::Offline { reason, .. })
                if reason.contains("ended before its last line")),
            "{cut:?}"
        );
        let mut corrupt = whole.clone();
        let head_length = roster_wire::encode_frame(&head()).expect("a frame").len();
        corrupt[head_length + 4] = 0xee;
        let read = answering(SNAPSHOT_FRAMES_MEDIA_TYPE, corrupt)
            .read_whole()
            .await;
        assert!(
            is_unreadable(&read, "snapshot frame cannot be read"),
            "{read:?}"
        );
    }

    #[tokio::test]
    async fn a_stream_without_its_head_first_or_with_two_heads_is_refused() {
        for (format, headless) in streams_of(&[company(), end(1)]) {
            let read = headless.read_whole().await;
            assert!(
                is_unreadable(&read, "did not begin with its head"),
                "{format}: {read:?}"
            );
        }
        for (format, two_heads) in streams_of(&[head(), company(), head(), end(1)]) {
            let read = two_heads.read_whole().await;
            assert!(is_unreadable(&read, "has two heads"), "{format}: {read:?}");
        }
    }

    #[tokio::test]
    async fn parts_come_one_by_one_and_the_audit_entries_once_the_end_has_come() {
        let lines = [
            head(),
            company(),
            audit(&[5, 6]),
            apps(2),
            audit(&[9]),
            end(3),
        ];
        for (format, mut stream) in streams_of(&lines) {
            stream.head().await.expect("the head");
            let mut sizes = Vec::new();
            while let Some(part) = stream.next_part().await.expect("a whole stream") {
                sizes.push(part.len());
            }
            assert_eq!(sizes, [1, 2], "{format}");
            let seqs: Vec<i64> = stream.take_audit().iter().map(|entry| entry.seq).collect();
            assert_eq!(
                seqs,
                [5, 6, 9],
                "{format}: every audit line's entries, in order"
            );
        }
    }
}

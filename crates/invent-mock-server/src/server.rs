//! [`MockServer`] and its builder: binding, the accept loop, and the handles
//! tests use to inject faults and inspect what the server saw.

use std::collections::VecDeque;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::service::Service as _;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use invent_sdk::types::{Chat, ChatMessage, MemberUser};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, Notify};
use tokio::task::{JoinHandle, JoinSet};

use crate::app::{lock, router, ConnectionKill, Shared};
use crate::fault::Fault;
use crate::ids::IdGen;
use crate::record::{RecordedRequest, RequestCounts, RequestLog, DEFAULT_MAX_RECORDED_REQUESTS};
use crate::seed::{Seed, SeedError};
use crate::store::Store;
use crate::{DEFAULT_API_KEY, DEFAULT_CALLER_ID, DEFAULT_CALLER_NAME};

/// A running mock Invent API on `127.0.0.1`.
///
/// Stopped by [`MockServer::shutdown`] or when dropped; open connections are
/// closed at once. Must be started inside a Tokio runtime.
///
/// ```
/// use invent_mock_server::{MockServer, DEFAULT_API_KEY};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let server = MockServer::start().await;
/// assert!(server.url().starts_with("http://127.0.0.1:"));
/// assert_eq!(server.api_key(), DEFAULT_API_KEY);
/// assert_eq!(server.chats().len(), 3); // the built-in seed
/// server.shutdown().await;
/// # }
/// ```
pub struct MockServer {
    url: String,
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Settings for a [`MockServer`]; from [`MockServer::builder`].
///
/// ```
/// use invent_mock_server::{Fault, MockServer, Seed};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let seed = Seed::from_json(r#"{"chats": [{"chat": {"id": "chat_1"}, "history": [{"id": "msg_1"}]}]}"#)?;
/// let server = MockServer::builder()
///     .api_key("test-key")
///     .seed(seed)
///     .fault(Fault::status(503))
///     .start()
///     .await?;
/// assert_eq!(server.pending_faults(), 1);
/// assert_eq!(server.chat("chat_1").map(|c| c.id), Some("chat_1".to_owned()));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct MockServerBuilder {
    api_key: String,
    seed: Seed,
    faults: Vec<Fault>,
    port: u16,
    caller: MemberUser,
    max_recorded_requests: usize,
}

/// Why a server did not start.
#[derive(Debug)]
pub enum StartError {
    /// The address could not be bound (e.g. the port is taken).
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The seed is not valid (duplicate chat ids).
    Seed(SeedError),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The cause is `source()`: printing it here too would repeat it
            // in reporters that walk the chain (anyhow, eyre, tracing).
            StartError::Bind { addr, .. } => write!(f, "cannot listen on {addr}"),
            StartError::Seed(_) => f.write_str("invalid seed"),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Bind { source, .. } => Some(source),
            StartError::Seed(err) => Some(err),
        }
    }
}

fn default_caller() -> MemberUser {
    let mut caller = MemberUser::default();
    caller.id = Some(DEFAULT_CALLER_ID.to_owned());
    caller.name = Some(DEFAULT_CALLER_NAME.to_owned());
    caller
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        MockServerBuilder {
            api_key: DEFAULT_API_KEY.to_owned(),
            seed: Seed::builtin(),
            faults: Vec::new(),
            port: 0,
            caller: default_caller(),
            max_recorded_requests: DEFAULT_MAX_RECORDED_REQUESTS,
        }
    }
}

impl MockServerBuilder {
    /// The bearer key the server accepts (default [`DEFAULT_API_KEY`]).
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = api_key.into();
        self
    }

    /// The chats the server starts with (default [`Seed::builtin`]).
    pub fn seed(mut self, seed: Seed) -> Self {
        self.seed = seed;
        self
    }

    /// Serves `n` generated chats instead of the seed (see [`Seed::generated`]):
    /// for bulk and load runs.
    pub fn generated_chats(self, n: usize) -> Self {
        self.seed(Seed::generated(n))
    }

    /// Queues a fault (see [`Fault`]); faults apply in the order queued.
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Queues several faults, in order.
    pub fn faults(mut self, faults: impl IntoIterator<Item = Fault>) -> Self {
        self.faults.extend(faults);
        self
    }

    /// The port on `127.0.0.1` (default 0: a free port the OS picks).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The user who owns the API key: forks are owned by (have one `ADMIN`
    /// member for) this user. Default: id [`DEFAULT_CALLER_ID`], name
    /// [`DEFAULT_CALLER_NAME`].
    pub fn caller(mut self, caller: MemberUser) -> Self {
        self.caller = caller;
        self
    }

    /// How many requests [`MockServer::requests`] keeps, dropping the oldest
    /// (default [`DEFAULT_MAX_RECORDED_REQUESTS`]); 0 keeps none.
    /// [`MockServer::request_counts`] counts every request whatever this is.
    /// Each kept request holds its body (up to 4 MiB), so a long-running
    /// server under load keeps its memory bounded only through this.
    pub fn max_recorded_requests(mut self, max: usize) -> Self {
        self.max_recorded_requests = max;
        self
    }

    /// Binds and starts serving in the background.
    pub async fn start(self) -> Result<MockServer, StartError> {
        self.seed.check().map_err(StartError::Seed)?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| StartError::Bind { addr, source })?;
        let shared = Arc::new(Shared {
            api_key: self.api_key,
            caller: self.caller,
            store: Mutex::new(Store::from_seed(self.seed)),
            faults: Mutex::new(VecDeque::from(self.faults)),
            log: Mutex::new(RequestLog::new(self.max_recorded_requests)),
            ids: IdGen::new(),
        });
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, router(shared.clone()), stopped));
        Ok(MockServer {
            url: format!("http://{addr}"),
            addr,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

impl MockServer {
    /// Starts a server with the defaults: a free port, the built-in seed,
    /// [`DEFAULT_API_KEY`] and no faults.
    ///
    /// # Panics
    ///
    /// If no port on `127.0.0.1` can be bound; use
    /// [`MockServer::builder`]`().start()` to get the error instead.
    pub async fn start() -> MockServer {
        match MockServer::builder().start().await {
            Ok(server) => server,
            Err(err) => panic!("invent-mock-server could not start: {err}"),
        }
    }

    /// Settings for a server other than the default.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// The base URL, `http://127.0.0.1:<port>` (no trailing slash).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bearer key the server accepts.
    pub fn api_key(&self) -> &str {
        &self.shared.api_key
    }

    /// Queues a fault after those already queued.
    pub fn push_fault(&self, fault: Fault) {
        lock(&self.shared.faults).push_back(fault);
    }

    /// Queues several faults, in order.
    pub fn push_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.shared.faults).extend(faults);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// How many faults are still queued.
    pub fn pending_faults(&self) -> usize {
        lock(&self.shared.faults).len()
    }

    /// How many requests the server received, per operation: all of them,
    /// including those no longer kept by [`requests`](Self::requests).
    pub fn request_counts(&self) -> RequestCounts {
        lock(&self.shared.log).counts()
    }

    /// The requests the server received, oldest first: all of them, or the
    /// newest [`MockServerBuilder::max_recorded_requests`] (10,000 by default).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).kept()
    }

    /// The most requests received within any window of length `window`,
    /// among those [`requests`](Self::requests) keeps: for tests of a client's
    /// rate limit.
    pub fn max_requests_in_window(&self, window: Duration) -> usize {
        lock(&self.shared.log).max_in_window(window)
    }

    /// A snapshot of every stored chat, as the API would return it: seeded
    /// chats in seed order, then forks.
    pub fn chats(&self) -> Vec<Chat> {
        lock(&self.shared.store).chats()
    }

    /// A snapshot of one stored chat.
    pub fn chat(&self, chat_id: &str) -> Option<Chat> {
        lock(&self.shared.store).chat(chat_id)
    }

    /// A stored chat's full message history, oldest first.
    pub fn history(&self, chat_id: &str) -> Option<Vec<ChatMessage>> {
        lock(&self.shared.store).history(chat_id)
    }

    /// Stops accepting, closes open connections and waits until the port is
    /// released.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            // The loop ends on the signal; an error means it already ended.
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// Accepts connections until told to stop; dropping the set of connection
/// tasks on the way out closes the open ones.
async fn accept_loop(listener: TcpListener, app: Router, mut stop: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, app.clone()));
                }
                // E.g. out of file descriptors: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Serves HTTP/1.1 on one connection until the client closes it or a
/// close-connection fault drops it.
async fn serve_connection(stream: TcpStream, app: Router) {
    let _ = stream.set_nodelay(true);
    let kill = ConnectionKill(Arc::new(Notify::new()));
    let service = {
        let kill = kill.clone();
        let app = TowerToHyperService::new(app);
        hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(kill.clone());
            app.call(request)
        })
    };
    let connection =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        () = kill.0.notified() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_errors_say_what_happened_and_leave_the_cause_to_source() {
        use std::error::Error as _;

        let err = StartError::Bind {
            addr: SocketAddr::from(([127, 0, 0, 1], 9)),
            source: std::io::Error::new(std::io::ErrorKind::AddrInUse, "address in use"),
        };
        assert_eq!(err.to_string(), "cannot listen on 127.0.0.1:9");
        let cause = err.source().map(ToString::to_string);
        assert_eq!(cause.as_deref(), Some("address in use"));
    }
}

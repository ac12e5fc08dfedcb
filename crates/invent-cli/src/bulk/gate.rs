//! The gate every attempt of a bulk run passes on its way to the wire.
//!
//! The SDK runs its middlewares per attempt, after the attempt's rate-limit
//! permit and right before the request is sent. The bulk run installs one,
//! [`on_the_wire`], and gives each call a [`Ticket`] (a per-call extension);
//! the middleware asks the run's main loop, through the ticket, for leave to
//! send. The main loop journals a fork as `started` (fsynced) before its
//! first attempt is let through, counts every attempt, and after Ctrl-C
//! refuses the first attempt of any call: so `started` means "may have
//! reached the server", a fork waiting for its permit when the run dies is
//! not `unknown`, and what never left can be dropped at once.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use reqwest_middleware::reqwest::{Request, Response};
use reqwest_middleware::Next;
use tokio::sync::{mpsc, oneshot};

/// What a reqwest-middleware middleware returns (its `BoxFuture`).
type Attempt<'a> = Pin<Box<dyn Future<Output = reqwest_middleware::Result<Response>> + Send + 'a>>;

/// One call's ticket: which call it is, and where to ask.
#[derive(Clone, Debug)]
pub struct Ticket {
    pub call: u64,
    gate: mpsc::Sender<Ask>,
}

/// An attempt asking to be sent; the answer is `true` to send it.
#[derive(Debug)]
pub struct Ask {
    pub call: u64,
    pub answer: oneshot::Sender<bool>,
}

/// Hands out tickets that all ask the same main loop.
#[derive(Debug)]
pub struct Gate {
    asks: mpsc::Sender<Ask>,
}

impl Gate {
    /// A gate, and the asks its tickets send.
    pub fn new() -> (Gate, mpsc::Receiver<Ask>) {
        // One ask per call in flight at most: the calls wait for the answer.
        let (asks, received) = mpsc::channel(64);
        (Gate { asks }, received)
    }

    /// The ticket of call number `call`.
    pub fn ticket(&self, call: u64) -> Ticket {
        Ticket {
            call,
            gate: self.asks.clone(),
        }
    }
}

/// An attempt the run refused (it is stopping): nothing was sent.
#[derive(Debug)]
pub struct NotSent;

impl fmt::Display for NotSent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not sent: the run is stopping")
    }
}

impl std::error::Error for NotSent {}

/// The middleware: an attempt of a call with a [`Ticket`] is sent only once
/// the main loop says so; calls without one pass.
pub fn on_the_wire<'a>(
    request: Request,
    extensions: &'a mut http::Extensions,
    next: Next<'a>,
) -> Attempt<'a> {
    Box::pin(async move {
        if let Some(ticket) = extensions.get::<Ticket>().cloned() {
            let (answer, answered) = oneshot::channel();
            let ask = Ask {
                call: ticket.call,
                answer,
            };
            let allowed = ticket.gate.send(ask).await.is_ok() && answered.await == Ok(true);
            if !allowed {
                return Err(reqwest_middleware::Error::middleware(NotSent));
            }
        }
        next.run(request, extensions).await
    })
}

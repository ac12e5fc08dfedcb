//! [`ErrorChain`]: an error and its causes on one line, for programs that
//! print errors without a reporting crate (anyhow's `{:#}` does the same).

use std::error::Error as StdError;
use std::fmt;

/// Displays an error followed by each of its causes (its `source()` chain),
/// separated by `": "`, on one line.
///
/// The SDK's errors say what happened in `Display` and leave the cause to
/// `source()` (for [`Error::Connection`](crate::Error::Connection), the
/// `reqwest::Error` and below it "connection refused"); printing `{err}`
/// alone shows only the first. A cause whose text the line already ends
/// with is left out: some libraries repeat their cause in their own message.
///
/// ```
/// use invent_sdk::ErrorChain;
///
/// # async fn run(client: invent_sdk::Client) {
/// if let Err(err) = client.fork_chat("chat_123").message_id("msg_7").send().await {
///     // "could not reach the Invent API (3 attempts): error sending request
///     // for url (...): client error (Connect): tcp connect error: Connection
///     // refused (os error 111)"
///     eprintln!("error: {}", ErrorChain::new(&err));
/// }
/// # }
/// ```
#[derive(Clone, Copy)]
pub struct ErrorChain<'a>(&'a dyn StdError);

impl<'a> ErrorChain<'a> {
    /// The chain of `error`.
    pub fn new(error: &'a dyn StdError) -> Self {
        ErrorChain(error)
    }
}

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line = self.0.to_string();
        let mut source = self.0.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            if !text.is_empty() && !line.ends_with(&text) {
                line.push_str(": ");
                line.push_str(&text);
            }
            source = cause.source();
        }
        f.write_str(&line)
    }
}

impl fmt::Debug for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error with a message and an optional cause.
    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl fmt::Display for Layer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for Layer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            self.1.as_deref().map(|cause| cause as _)
        }
    }

    fn chain(layers: &[&'static str]) -> Layer {
        layers
            .iter()
            .rev()
            .fold(None, |cause, text| Some(Layer(text, cause.map(Box::new))))
            .expect("at least one layer")
    }

    fn line(error: &Layer) -> String {
        ErrorChain::new(error).to_string()
    }

    #[test]
    fn every_cause_follows_in_order() {
        assert_eq!(line(&chain(&["alone"])), "alone");
        let error = chain(&["could not reach the API", "tcp connect error", "refused"]);
        assert_eq!(
            line(&error),
            "could not reach the API: tcp connect error: refused"
        );
        assert_eq!(format!("{:?}", ErrorChain::new(&error)), line(&error));
    }

    #[test]
    fn a_cause_the_line_already_ends_with_is_left_out() {
        // A library that writes `"{context}: {source}"` and returns the source too.
        let error = chain(&[
            "cannot bind: address in use",
            "address in use",
            "os error 98",
        ]);
        assert_eq!(line(&error), "cannot bind: address in use: os error 98");
        // Empty messages add nothing; a cause merely mentioned earlier is kept.
        let error = chain(&["timed out reading", "", "timed out"]);
        assert_eq!(line(&error), "timed out reading: timed out");
    }
}

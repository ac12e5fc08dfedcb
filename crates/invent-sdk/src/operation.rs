//! [`Operation`]: what the spec says about one operation, for code that
//! handles operations generically (the transport's retry rules, the CLI's
//! `invent api`, the mock server's catch-all route).
//!
//! A leaf module: generated code fills one `static` per operation
//! ([`OPERATIONS`](crate::operations::OPERATIONS)); nothing here depends on
//! the client or the transport.

/// One operation of the spec. Generated, one `static` per operation.
#[derive(Debug)]
#[non_exhaustive]
pub struct Operation {
    /// The `operationId`, also the [`Client`](crate::Client) method's name.
    pub id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template, e.g. `/chats/{chat_id}/state`.
    pub path: &'static str,
    /// Whether repeating the request cannot change the outcome: from the
    /// method (GET, HEAD, PUT, PATCH, DELETE, OPTIONS are; POST is not),
    /// unless the spec says otherwise with `x-invent-idempotent`. Decides
    /// which failures are retried.
    pub idempotent: bool,
    /// Path parameters, in path order.
    pub path_params: &'static [&'static str],
    /// Query parameters, in spec order.
    pub query_params: &'static [&'static str],
    /// Whether the operation takes a JSON body.
    pub has_body: bool,
    /// Whether that body is required.
    pub body_required: bool,
    /// The body's top-level properties, as named on the wire.
    pub body_properties: &'static [&'static str],
    /// JSON of the success response's example in the spec (or the smallest
    /// value its schema accepts), for mock servers.
    pub response_example: Option<&'static str>,
    /// The tracing callsite of this operation's call spans, made the first
    /// time a call of it is traced (a span's name, the operationId, must
    /// live in a callsite of its own). Kept here, not in a table of the
    /// SDK's operations, so operations of any crate of generated code get
    /// their spans.
    pub(crate) call_callsite: crate::telemetry::CallsiteCell,
}

/// The fields of an [`Operation`], all of them, for generated code: outside
/// this crate an `Operation` cannot be written as a struct literal (it is
/// `#[non_exhaustive]`), so generated statics go through
/// [`Operation::from_fields`]. Not a stable API.
#[doc(hidden)]
#[derive(Debug)]
pub struct OperationFields {
    /// See [`Operation::id`].
    pub id: &'static str,
    /// See [`Operation::method`].
    pub method: &'static str,
    /// See [`Operation::path`].
    pub path: &'static str,
    /// See [`Operation::idempotent`].
    pub idempotent: bool,
    /// See [`Operation::path_params`].
    pub path_params: &'static [&'static str],
    /// See [`Operation::query_params`].
    pub query_params: &'static [&'static str],
    /// See [`Operation::has_body`].
    pub has_body: bool,
    /// See [`Operation::body_required`].
    pub body_required: bool,
    /// See [`Operation::body_properties`].
    pub body_properties: &'static [&'static str],
    /// See [`Operation::response_example`].
    pub response_example: Option<&'static str>,
}

impl Operation {
    /// The operation described by `fields` (for generated statics).
    #[doc(hidden)]
    pub const fn from_fields(fields: OperationFields) -> Operation {
        let OperationFields {
            id,
            method,
            path,
            idempotent,
            path_params,
            query_params,
            has_body,
            body_required,
            body_properties,
            response_example,
        } = fields;
        Operation {
            id,
            method,
            path,
            idempotent,
            path_params,
            query_params,
            has_body,
            body_required,
            body_properties,
            response_example,
            call_callsite: crate::telemetry::CallsiteCell::new(),
        }
    }

    /// The operation named `id`, if the spec has it.
    ///
    /// ```
    /// let op = invent_sdk::Operation::find("fork_chat").expect("in the spec");
    /// assert_eq!((op.method, op.path), ("POST", "/chats/{chat_id}/fork"));
    /// assert!(!op.idempotent);
    /// ```
    pub fn find(id: &str) -> Option<&'static Operation> {
        crate::operations::OPERATIONS
            .iter()
            .copied()
            .find(|op| op.id == id)
    }

    /// The values of the path parameters if `path` (already split from its
    /// query, still percent-encoded) matches this operation's template, in
    /// path order, decoded.
    ///
    /// ```
    /// let op = invent_sdk::Operation::find("fork_chat").expect("in the spec");
    /// assert_eq!(op.match_path("/chats/a%2Fb/fork"), Some(vec!["a/b".to_owned()]));
    /// assert_eq!(op.match_path("/chats/a/state"), None);
    /// ```
    pub fn match_path(&self, path: &str) -> Option<Vec<String>> {
        let mut values = Vec::new();
        let mut template = self.path.split('/');
        let mut actual = path.split('/');
        loop {
            match (template.next(), actual.next()) {
                (None, None) => return Some(values),
                (Some(t), Some(a)) if t.starts_with('{') && t.ends_with('}') => {
                    if a.is_empty() {
                        return None;
                    }
                    let decoded = percent_encoding::percent_decode_str(a).decode_utf8().ok()?;
                    values.push(decoded.into_owned());
                }
                (Some(t), Some(a)) if t == a => {}
                _ => return None,
            }
        }
    }
}

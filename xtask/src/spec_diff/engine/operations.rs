//! Comparing operations: ids, parameters, request bodies and responses.

use std::collections::BTreeSet;

use openapiv3::{Parameter, RequestBody};

use super::{
    body_schema, body_types, describe, is_success, parameter_schema, Differ, Group, Op, Place, Pos,
};
use crate::spec_diff::rules::{self, wire, Effect, Sdk, Usage, Wire};
use crate::spec_diff::rust::Root;

impl Differ<'_, '_> {
    pub(super) fn operations(&mut self) {
        let old = self.old.operations();
        let new = self.new.operations();
        let keys: BTreeSet<_> = old.keys().chain(new.keys()).cloned().collect();
        for (path, method) in keys {
            let key = (path.clone(), method.clone());
            let group = Group::Operation { path, method };
            let id = new.get(&key).or(old.get(&key)).and_then(|op| op.id);
            if let Some(id) = id {
                self.out.notes.insert(group.clone(), id.to_owned());
            }
            match (old.get(&key), new.get(&key)) {
                (None, Some(_)) => self.push(
                    &group,
                    "operation",
                    "added",
                    (Sdk::Additive, &rules::S_NEW_METHOD),
                    (Wire::Compatible, &rules::W_NEW_OPERATION),
                ),
                (Some(_), None) => self.push(
                    &group,
                    "operation",
                    "removed",
                    (Sdk::Breaking, &rules::S_METHOD_GONE),
                    (Wire::Breaking, &rules::W_OPERATION_GONE),
                ),
                (Some(a), Some(b)) => self.operation(&group, a, b),
                (None, None) => {}
            }
        }
    }

    fn operation(&mut self, group: &Group, a: &Op<'_>, b: &Op<'_>) {
        if a.id != b.id {
            self.push(
                group,
                "operationId",
                format!(
                    "{} -> {}",
                    a.id.unwrap_or("(none)"),
                    b.id.unwrap_or("(none)")
                ),
                (Sdk::Breaking, &rules::S_METHOD_RENAMED),
                (Wire::Compatible, &rules::W_SAME_HTTP),
            );
        }
        // The generated code is looked up by operationId, so only when it stays.
        let id = a.id.filter(|id| b.id == Some(*id));
        self.parameters(group, a, b, id);
        let body = Place::at(Pos::Other, id.map(|id| Root::Body(id.to_owned())));
        self.request_body(group, a.body, b.body, &body);
        self.responses(group, a, b);
    }

    fn parameters(&mut self, group: &Group, a: &Op<'_>, b: &Op<'_>, id: Option<&str>) {
        let keys: BTreeSet<_> = a.params.keys().chain(b.params.keys()).cloned().collect();
        for key in keys {
            let subject = format!("parameter {} (in {})", key.1, key.0);
            let old = a.params.get(&key).copied();
            let new = b.params.get(&key).copied();
            let schema_text = |p: &Parameter| {
                parameter_schema(p).map_or_else(|| "no schema".to_owned(), |n| describe(&n))
            };
            match (old, new) {
                (None, Some(p)) => {
                    let required = p.parameter_data_ref().required;
                    self.input_added(group, &subject, required, &schema_text(p));
                }
                (Some(p), None) => self.push(
                    group,
                    &subject,
                    format!("removed (was {})", schema_text(p)),
                    (Sdk::Breaking, &rules::S_SETTER_GONE),
                    (Wire::Breaking, &rules::W_INPUT_IGNORED),
                ),
                (Some(p), Some(q)) => {
                    let (was, is) = (
                        p.parameter_data_ref().required,
                        q.parameter_data_ref().required,
                    );
                    self.input_required(group, &subject, was, is);
                    if let (Some(x), Some(y)) = (parameter_schema(p), parameter_schema(q)) {
                        let root = id.map(|id| Root::Parameter {
                            operation: id.to_owned(),
                            name: key.1.clone(),
                        });
                        let at = Place::at(Pos::Other, root);
                        self.node(group, &subject, &x, &y, Usage::REQUEST, &at);
                    }
                }
                (None, None) => {}
            }
        }
    }

    /// A new parameter or request body.
    fn input_added(&mut self, group: &Group, subject: &str, required: bool, what: &str) {
        if required {
            self.push(
                group,
                subject,
                format!("added (required {what})"),
                (Sdk::Breaking, &rules::S_REQUIRED_INPUT),
                (Wire::Breaking, &rules::W_REQUIRED_MISSING),
            );
        } else {
            self.push(
                group,
                subject,
                format!("added (optional {what})"),
                (Sdk::Additive, &rules::S_NEW_SETTER),
                (Wire::Compatible, &rules::W_OPTIONAL_IN),
            );
        }
    }

    /// A parameter or request body changed required-ness.
    fn input_required(&mut self, group: &Group, subject: &str, was: bool, is: bool) {
        match (was, is) {
            (false, true) => self.push(
                group,
                subject,
                "made required",
                (Sdk::Breaking, &rules::S_REQUIRED_INPUT),
                wire(Effect::MadeRequired, Usage::REQUEST),
            ),
            (true, false) => self.push(
                group,
                subject,
                "made optional",
                (Sdk::Neutral, &rules::S_NO_RUST_CHANGE),
                wire(Effect::MadeOptional, Usage::REQUEST),
            ),
            _ => {}
        }
    }

    fn request_body(
        &mut self,
        group: &Group,
        a: Option<&RequestBody>,
        b: Option<&RequestBody>,
        at: &Place,
    ) {
        let subject = "request body";
        match (a, b) {
            (None, Some(body)) => {
                let what = body_schema(&body.content)
                    .1
                    .map_or_else(|| "no schema".to_owned(), |n| describe(&n));
                self.input_added(group, subject, body.required, &what);
            }
            (Some(_), None) => self.push(
                group,
                subject,
                "removed",
                (Sdk::Breaking, &rules::S_SETTER_GONE),
                (Wire::Breaking, &rules::W_INPUT_IGNORED),
            ),
            (Some(x), Some(y)) => {
                self.input_required(group, subject, x.required, y.required);
                self.body(group, subject, &x.content, &y.content, Usage::REQUEST, at);
            }
            (None, None) => {}
        }
    }

    /// Compares two bodies' media type and schema.
    fn body(
        &mut self,
        group: &Group,
        subject: &str,
        a: &openapiv3::Content,
        b: &openapiv3::Content,
        usage: Usage,
        at: &Place,
    ) {
        let (media_a, node_a) = body_schema(a);
        let (media_b, node_b) = body_schema(b);
        if media_a != media_b {
            self.push(
                group,
                subject,
                format!(
                    "media type {} -> {}",
                    media_a.as_deref().unwrap_or("(none)"),
                    media_b.as_deref().unwrap_or("(none)")
                ),
                (Sdk::Breaking, &rules::S_TYPE),
                (Wire::Breaking, &rules::W_TYPE),
            );
            return;
        }
        match (node_a, node_b) {
            (Some(x), Some(y)) => self.node(group, subject, &x, &y, usage, at),
            (None, Some(y)) => self.retyped(
                group,
                subject,
                format!("schema added: {}", describe(&y)),
                Effect::Narrower,
                usage,
            ),
            (Some(x), None) => self.retyped(
                group,
                subject,
                format!("schema removed (was {})", describe(&x)),
                Effect::Wider,
                usage,
            ),
            (None, None) => {}
        }
    }

    fn responses(&mut self, group: &Group, a: &Op<'_>, b: &Op<'_>) {
        let success_changed = body_types(a, true) != body_types(b, true);
        let errors_changed = body_types(a, false) != body_types(b, false);
        let statuses: BTreeSet<_> = a
            .responses
            .keys()
            .chain(b.responses.keys())
            .cloned()
            .collect();
        for status in statuses {
            let subject = format!("response {status}");
            let success = is_success(&status);
            let sdk = if (success && success_changed) || (!success && errors_changed) {
                (Sdk::Breaking, &rules::S_RETURN_TYPE)
            } else {
                (Sdk::Neutral, &rules::S_NO_RUST_CHANGE)
            };
            match (a.responses.get(&status), b.responses.get(&status)) {
                (None, Some(r)) => {
                    let what = body_schema(&r.content)
                        .1
                        .map_or_else(|| "no body".to_owned(), |n| describe(&n));
                    let wire = if success {
                        (Wire::Breaking, &rules::W_UNEXPECTED_SUCCESS)
                    } else {
                        (Wire::Compatible, &rules::W_ERROR_STATUS)
                    };
                    self.push(group, &subject, format!("added ({what})"), sdk, wire);
                }
                (Some(_), None) => self.push(
                    group,
                    &subject,
                    "removed",
                    sdk,
                    (Wire::Compatible, &rules::W_STATUS_GONE),
                ),
                (Some(x), Some(y)) => {
                    match (body_schema(&x.content).1, body_schema(&y.content).1) {
                        (None, Some(node)) => self.push(
                            group,
                            &subject,
                            format!("body added ({})", describe(&node)),
                            sdk,
                            (Wire::Compatible, &rules::W_NOTHING_OLD),
                        ),
                        (Some(node), None) => self.push(
                            group,
                            &subject,
                            format!("body removed (was {})", describe(&node)),
                            sdk,
                            (Wire::Breaking, &rules::W_DATA_GONE),
                        ),
                        // Responses are not looked up in the generated code:
                        // ratings that need it assume the worst.
                        _ => {
                            let at = Place::at(Pos::Other, None);
                            self.body(
                                group,
                                &subject,
                                &x.content,
                                &y.content,
                                Usage::RESPONSE,
                                &at,
                            )
                        }
                    }
                }
                (None, None) => {}
            }
        }
    }
}

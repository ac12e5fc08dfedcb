//! The rules that rate each spec change, for SDK users and on the wire.
//!
//! Every rating cites a [`Rule`]; the report's legend prints the rules it cites,
//! so a reviewer sees why a change is breaking. The SDK rules describe the Rust
//! that the generator emits, which spec-diff reads from the generator's model
//! of each spec ([`super::rust`]) rather than predicts: whether a struct or
//! enum is `#[non_exhaustive]`, whether an enum is open (`Unknown(String)`),
//! whether a newtype checks its value, the type of each field and parameter.
//! Operations are builder-style calls whose `send()` checks required inputs at
//! run time.

/// Why a change is rated the way it is.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rule {
    /// Short name, cited in report lines.
    pub id: &'static str,
    /// The explanation printed in the legend.
    pub text: &'static str,
}

/// Effect on Rust code that uses `invent-sdk`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sdk {
    /// Nothing in the Rust API changes.
    Neutral,
    /// New API only: a semver-minor change.
    Additive,
    /// Existing code may stop compiling or behave differently: semver-major.
    Breaking,
}

/// Effect on clients of the old spec talking to a server of the new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Wire {
    /// Old clients keep working.
    Compatible,
    /// Old clients' requests may be rejected, or responses may fail to decode
    /// or lose data the clients read.
    Breaking,
}

macro_rules! rules {
    ($($name:ident = $id:literal: $text:literal;)*) => {
        $(
            // The legend text is plain text (it has `Option<T>` in it), so
            // the docs show it verbatim rather than as Markdown.
            #[doc = concat!("Rule `", $id, "`:\n\n```text\n", $text, "\n```")]
            pub const $name: Rule = Rule { id: $id, text: $text };
        )*
        /// Every rule, in the order the legend prints them.
        pub const ALL: &[&Rule] = &[$(&$name),*];
    };
}

rules! {
    // SDK: what happens to Rust code written against the previous release.
    S_NEW_FIELD = "s-new-field":
        "a new pub field on a struct that is not #[non_exhaustive]: struct literals that list \
         every field (the only way for structs without Default) and patterns without `..` stop \
         compiling; builders and `..Default::default()` are unaffected";
    S_NEW_FIELD_NE = "s-new-field-ne":
        "a new optional pub field on a #[non_exhaustive] struct: code outside the SDK cannot \
         write its struct literals or patterns without `..`, so nothing stops compiling; \
         builders and field access are unaffected";
    S_NEW_REQUIRED_FIELD = "s-new-required-field":
        "a new required field on a #[non_exhaustive] struct: code still compiles, but building \
         a value with the builder fails at run time until the field is set";
    S_FIELD_GONE = "s-field-gone": "a pub field disappears";
    S_TYPE = "s-type": "the Rust type changes (e.g. Option<T> and T, String and Timestamp, i32 and i64)";
    S_SAME_TYPE = "s-same-type": "the Rust type stays the same";
    S_NOT_ENFORCED = "s-not-enforced": "the generated Rust type does not enforce this constraint";
    S_NEW_VARIANT = "s-new-variant":
        "a new variant of an enum that is not #[non_exhaustive]: `match`es without a wildcard \
         stop compiling (and on an open enum the value no longer arrives as `Unknown`)";
    S_NEW_VARIANT_NE = "s-new-variant-ne":
        "a new variant of a #[non_exhaustive] enum: `match`es outside the SDK already have a \
         wildcard arm, so nothing stops compiling; a behaviour change that is not a compile \
         break: on an open enum a value that used to arrive as `Unknown` now arrives as its \
         own variant";
    S_VARIANT_GONE = "s-variant-gone": "an enum variant disappears (the value now arrives as `Unknown`)";
    S_CHECK_NARROWER = "s-check-narrower":
        "the checked type's constructor (`new`/`try_from`) and decoder reject values they accepted";
    S_CHECK_WIDER = "s-check-wider":
        "the checked type accepts more values, with the same representation";
    S_DENY_UNKNOWN = "s-deny-unknown":
        "`additionalProperties: false` makes the struct #[serde(deny_unknown_fields)]: decoding \
         fails on keys it used to ignore";
    S_ALLOW_UNKNOWN = "s-allow-unknown": "decoding no longer fails on unknown keys";
    S_NULLABLE_NAMED = "s-nullable-named":
        "required fields that use this schema change between T and Option<T>";
    S_NEW_TYPE = "s-new-type": "a new type";
    S_TYPE_GONE = "s-type-gone": "a type disappears";
    S_NEW_METHOD = "s-new-method": "a new Client method";
    S_METHOD_GONE = "s-method-gone": "a Client method disappears";
    S_METHOD_RENAMED = "s-method-renamed": "the Client method is renamed (it is named after operationId)";
    S_REQUIRED_INPUT = "s-required-input":
        "a new required builder input: existing calls still compile but `send()` returns an \
         error until they set it";
    S_NEW_SETTER = "s-new-setter": "a new optional builder setter";
    S_SETTER_GONE = "s-setter-gone": "a builder setter disappears";
    S_RETURN_TYPE = "s-return-type": "the method's success or error type changes";
    S_NO_RUST_CHANGE = "s-no-rust-change": "the generated Rust does not change";

    // Wire: an old client (SDK generated from the old spec) and a new server.
    W_OPTIONAL_IN = "w-optional-in": "in requests: optional, so old clients need not send it";
    W_UNKNOWN_KEYS = "w-unknown-keys":
        "in responses: clients ignore keys they do not know (unless the old schema had \
         additionalProperties: false)";
    W_REQUIRED_MISSING = "w-required-missing":
        "in requests: old clients do not send it, so the server rejects their requests";
    W_INPUT_IGNORED = "w-input-ignored":
        "in requests: the server ignores or rejects what old clients send";
    W_DATA_GONE = "w-data-gone":
        "in responses: old clients lose data they read (and fail to decode if it was required)";
    W_NOW_OPTIONAL = "w-now-optional":
        "in responses: old clients decode it as always present (T, not Option<T>) and fail \
         when it is absent";
    W_NARROWER_IN = "w-narrower-in": "in requests: old clients may send values the server now rejects";
    W_WIDER_OUT = "w-wider-out": "in responses: old clients may receive values they reject";
    W_SAFE_DIRECTION = "w-safe-direction":
        "stricter responses or more lenient requests: old clients keep working";
    W_SAME_VALUES = "w-same-values": "the same values are valid before and after";
    W_OPEN_ENUM = "w-open-enum":
        "the enum is generated open (`Unknown(String)`): old clients keep values they do not know";
    W_CLOSED_ENUM = "w-closed-enum":
        "in responses: the enum is generated closed (no `Unknown`; inline string enums are), so \
         old clients fail on the new value (name the schema to make it open)";
    W_NULL_AS_NONE = "w-null-as-none":
        "in responses: old clients read `null` in an optional field as absent (None)";
    W_TYPE = "w-type": "values of the old type and the new one differ: both directions break";
    W_UNUSED = "w-unused": "no operation sends or returns this schema";
    W_NOTHING_OLD = "w-nothing-old": "nothing old clients send or read changes";
    W_USES_REPORTED = "w-uses-reported":
        "the wire changes only where uses of it change, which are reported there";
    W_NEW_OPERATION = "w-new-operation": "old clients do not call it";
    W_OPERATION_GONE = "w-operation-gone": "old clients' calls fail";
    W_SAME_HTTP = "w-same-http": "the HTTP request and response stay the same";
    W_UNEXPECTED_SUCCESS = "w-unexpected-success":
        "old clients treat a success status they do not know as an error";
    W_ERROR_STATUS = "w-error-status": "old clients still see an error, typed or unexpected";
    W_STATUS_GONE = "w-status-gone": "the server stops sending a status old clients handle";
}

/// What a change does to the set of values or keys a schema position allows;
/// its wire rating depends on the direction the schema travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// A new optional property.
    AddedOptional,
    /// A new required property.
    AddedRequired,
    /// A property disappears.
    Removed,
    /// An optional property becomes required.
    MadeRequired,
    /// A required property becomes optional.
    MadeOptional,
    /// Fewer values allowed (a bound tightened, an enum value or `nullable` removed).
    Narrower,
    /// More values allowed (a bound loosened, `nullable` added on a required field).
    Wider,
    /// A different type: old and new values differ.
    Retyped,
    /// A value added to an enum generated open (`Unknown(String)`).
    OpenEnumValue,
    /// A value added to an enum generated closed.
    ClosedEnumValue,
    /// `nullable` added on an optional property.
    NullOnOptional,
}

/// Where a schema travels: in requests (bodies, parameters), in responses, both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Sent by clients.
    pub request: bool,
    /// Returned by servers.
    pub response: bool,
}

impl Usage {
    /// Only in requests.
    pub const REQUEST: Usage = Usage {
        request: true,
        response: false,
    };
    /// Only in responses.
    pub const RESPONSE: Usage = Usage {
        request: false,
        response: true,
    };

    /// Travels in either direction.
    pub fn union(self, other: Usage) -> Usage {
        Usage {
            request: self.request || other.request,
            response: self.response || other.response,
        }
    }

    /// How the report names it.
    pub fn label(self) -> &'static str {
        match (self.request, self.response) {
            (true, true) => "in requests and responses",
            (true, false) => "in requests",
            (false, true) => "in responses",
            (false, false) => "unused",
        }
    }
}

/// The wire rating of `effect` for a schema that travels as `usage`: the worse
/// of the two directions (the request side's rule when both are compatible).
pub fn wire(effect: Effect, usage: Usage) -> (Wire, &'static Rule) {
    let request = usage.request.then(|| in_request(effect));
    let response = usage.response.then(|| in_response(effect));
    [request, response]
        .into_iter()
        .flatten()
        .find(|(w, _)| *w == Wire::Breaking)
        .or(request)
        .or(response)
        .unwrap_or((Wire::Compatible, &W_UNUSED))
}

fn in_request(effect: Effect) -> (Wire, &'static Rule) {
    use Effect::*;
    match effect {
        AddedOptional => (Wire::Compatible, &W_OPTIONAL_IN),
        AddedRequired | MadeRequired => (Wire::Breaking, &W_REQUIRED_MISSING),
        Removed => (Wire::Breaking, &W_INPUT_IGNORED),
        Narrower => (Wire::Breaking, &W_NARROWER_IN),
        Retyped => (Wire::Breaking, &W_TYPE),
        MadeOptional | Wider | OpenEnumValue | ClosedEnumValue | NullOnOptional => {
            (Wire::Compatible, &W_SAFE_DIRECTION)
        }
    }
}

fn in_response(effect: Effect) -> (Wire, &'static Rule) {
    use Effect::*;
    match effect {
        AddedOptional | AddedRequired => (Wire::Compatible, &W_UNKNOWN_KEYS),
        Removed => (Wire::Breaking, &W_DATA_GONE),
        MadeOptional => (Wire::Breaking, &W_NOW_OPTIONAL),
        Wider => (Wire::Breaking, &W_WIDER_OUT),
        Retyped => (Wire::Breaking, &W_TYPE),
        OpenEnumValue => (Wire::Compatible, &W_OPEN_ENUM),
        ClosedEnumValue => (Wire::Breaking, &W_CLOSED_ENUM),
        NullOnOptional => (Wire::Compatible, &W_NULL_AS_NONE),
        MadeRequired | Narrower => (Wire::Compatible, &W_SAFE_DIRECTION),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: Usage = Usage {
        request: true,
        response: true,
    };

    #[test]
    fn direction_decides_whether_a_constraint_change_breaks() {
        assert_eq!(wire(Effect::Narrower, Usage::REQUEST).0, Wire::Breaking);
        assert_eq!(wire(Effect::Narrower, Usage::RESPONSE).0, Wire::Compatible);
        assert_eq!(wire(Effect::Wider, Usage::REQUEST).0, Wire::Compatible);
        assert_eq!(wire(Effect::Wider, Usage::RESPONSE).0, Wire::Breaking);
    }

    #[test]
    fn a_schema_in_both_directions_takes_the_worse() {
        assert_eq!(
            wire(Effect::MadeRequired, BOTH),
            (Wire::Breaking, &W_REQUIRED_MISSING)
        );
        assert_eq!(
            wire(Effect::MadeOptional, BOTH),
            (Wire::Breaking, &W_NOW_OPTIONAL)
        );
        assert_eq!(
            wire(Effect::AddedOptional, BOTH),
            (Wire::Compatible, &W_OPTIONAL_IN)
        );
    }

    #[test]
    fn unused_schemas_are_off_the_wire() {
        assert_eq!(
            wire(Effect::Retyped, Usage::default()),
            (Wire::Compatible, &W_UNUSED)
        );
    }

    #[test]
    fn rule_ids_are_unique() {
        let ids: std::collections::BTreeSet<_> = ALL.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), ALL.len());
    }
}

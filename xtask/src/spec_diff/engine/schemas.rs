//! Comparing schemas: each named schema once, then its properties, items,
//! constraints and enum values, recursively.

use std::collections::BTreeSet;

use super::{describe, Additional, Differ, Group, Kind, Limit, Node, Place, Pos, Rated, Shape};
use crate::spec_diff::rules::{self, wire, Effect, Sdk, Usage, Wire};
use crate::spec_diff::rust::{self, Step};

impl Differ<'_, '_> {
    pub(super) fn schemas(&mut self) {
        let names: BTreeSet<String> = self
            .old
            .schemas
            .keys()
            .chain(self.new.schemas.keys())
            .cloned()
            .collect();
        for name in names {
            let group = Group::Schema(name.clone());
            let usage = self.usage.get(&name).copied().unwrap_or_default();
            let old = self.old.schemas.get(&name);
            let new = self.new.schemas.get(&name);
            let note = match (old, new) {
                (None, Some(_)) => format!("new; {}", usage.label()),
                (Some(_), None) => format!("removed; was {}", usage.label()),
                _ => usage.label().to_owned(),
            };
            self.out.notes.insert(group.clone(), note);
            match (old, new) {
                (None, Some(n)) => self.push(
                    &group,
                    &name,
                    format!("schema added: {}", describe(n)),
                    (Sdk::Additive, &rules::S_NEW_TYPE),
                    (Wire::Compatible, &rules::W_NOTHING_OLD),
                ),
                (Some(o), None) => self.push(
                    &group,
                    &name,
                    format!("schema removed (was {})", describe(o)),
                    (Sdk::Breaking, &rules::S_TYPE_GONE),
                    (Wire::Compatible, &rules::W_USES_REPORTED),
                ),
                (Some(o), Some(n)) => self.node(&group, &name, o, n, usage, &Place::named(&name)),
                (None, None) => {}
            }
        }
    }

    pub(super) fn node(
        &mut self,
        group: &Group,
        subject: &str,
        a: &Node,
        b: &Node,
        usage: Usage,
        at: &Place,
    ) {
        match (a, b) {
            (Node::Ref(x), Node::Ref(y)) if x == y => {}
            (Node::Inline(x), Node::Inline(y)) if same_kind(&x.kind, &y.kind) => {
                self.shape(group, subject, x, y, usage, at)
            }
            _ => self.retyped(
                group,
                subject,
                format!("type changed: {} -> {}", describe(a), describe(b)),
                Effect::Retyped,
                usage,
            ),
        }
    }

    fn shape(
        &mut self,
        group: &Group,
        subject: &str,
        a: &Shape,
        b: &Shape,
        usage: Usage,
        at: &Place,
    ) {
        let pos = at.pos;
        if a.nullable != b.nullable {
            let (event, effect) = if b.nullable {
                let on_optional = pos == Pos::Property { required: false };
                let effect = if on_optional {
                    Effect::NullOnOptional
                } else {
                    Effect::Wider
                };
                ("nullable added", effect)
            } else {
                ("nullable removed", Effect::Narrower)
            };
            let sdk = match pos {
                // The uses change (T and Option<T>), not the named type.
                Pos::Named => (Sdk::Breaking, &rules::S_NULLABLE_NAMED),
                _ => self.same_or_retyped(at),
            };
            self.push(group, subject, event, sdk, wire(effect, usage));
        }

        if a.format != b.format {
            let sdk = self.same_or_retyped(at);
            let wire = match format_effect(&a.kind, a.format.as_deref(), b.format.as_deref()) {
                Some(effect) => wire(effect, usage),
                None => (Wire::Compatible, &rules::W_SAME_VALUES),
            };
            let event = format!(
                "format {} -> {}",
                a.format.as_deref().unwrap_or("(none)"),
                b.format.as_deref().unwrap_or("(none)")
            );
            self.push(group, subject, event, sdk, wire);
        }

        self.enumeration(group, subject, a, b, usage, at);

        if a.pattern != b.pattern {
            let effect = match (&a.pattern, &b.pattern) {
                (None, Some(_)) => Effect::Narrower,
                (Some(_), None) => Effect::Wider,
                _ => Effect::Retyped,
            };
            let event = format!(
                "pattern {} -> {}",
                a.pattern.as_deref().unwrap_or("(none)"),
                b.pattern.as_deref().unwrap_or("(none)")
            );
            self.constraint(group, subject, event, at, effect, usage);
        }

        self.bounds(group, subject, a, b, usage, at);

        if a.kind == Kind::Object {
            self.properties(group, subject, a, b, usage, at);
            self.additional(group, subject, a, b, usage, at);
        }
        if a.kind == Kind::Array {
            let items = format!("{subject}[]");
            match (&a.items, &b.items) {
                (Some(x), Some(y)) => {
                    let at = at.child(Pos::Other, Step::Items);
                    self.node(group, &items, x, y, usage, &at)
                }
                (None, Some(y)) => self.retyped(
                    group,
                    &items,
                    format!("type changed: any value -> {}", describe(y)),
                    Effect::Narrower,
                    usage,
                ),
                (Some(x), None) => self.retyped(
                    group,
                    &items,
                    format!("type changed: {} -> any value", describe(x)),
                    Effect::Wider,
                    usage,
                ),
                (None, None) => {}
            }
        }
    }

    /// `T` or `Option<T>` at `at` unchanged, or changed: read from the generated code.
    fn same_or_retyped(&self, at: &Place) -> Rated<Sdk> {
        if self.rust_type_changed(at) {
            (Sdk::Breaking, &rules::S_TYPE)
        } else {
            (Sdk::Neutral, &rules::S_SAME_TYPE)
        }
    }

    fn enumeration(
        &mut self,
        group: &Group,
        subject: &str,
        a: &Shape,
        b: &Shape,
        usage: Usage,
        at: &Place,
    ) {
        match (a.enumeration.is_empty(), b.enumeration.is_empty()) {
            (true, true) => {}
            (true, false) => self.retyped(
                group,
                subject,
                format!("enum added: {}", b.enumeration.join(", ")),
                Effect::Narrower,
                usage,
            ),
            (false, true) => self.retyped(
                group,
                subject,
                "enum removed: any value allowed",
                Effect::Wider,
                usage,
            ),
            (false, false) => {
                // Old clients keep values they do not know if their (the old)
                // enum has an `Unknown(String)` arm.
                let open = self.models(at).is_some_and(|(old, _)| rust::open_enum(old));
                let effect = if open {
                    Effect::OpenEnumValue
                } else {
                    Effect::ClosedEnumValue
                };
                let sdk = if self.non_exhaustive(at) {
                    (Sdk::Additive, &rules::S_NEW_VARIANT_NE)
                } else {
                    (Sdk::Breaking, &rules::S_NEW_VARIANT)
                };
                for value in b.enumeration.iter().filter(|v| !a.enumeration.contains(v)) {
                    self.push(
                        group,
                        subject,
                        format!("enum value added: {value}"),
                        sdk,
                        wire(effect, usage),
                    );
                }
                for value in a.enumeration.iter().filter(|v| !b.enumeration.contains(v)) {
                    self.push(
                        group,
                        subject,
                        format!("enum value removed: {value}"),
                        (Sdk::Breaking, &rules::S_VARIANT_GONE),
                        wire(Effect::Narrower, usage),
                    );
                }
            }
        }
    }

    fn bounds(
        &mut self,
        group: &Group,
        subject: &str,
        a: &Shape,
        b: &Shape,
        usage: Usage,
        at: &Place,
    ) {
        let size = |n: Option<usize>| {
            n.map(|n| Limit {
                value: n as f64,
                exclusive: false,
            })
        };
        // (label, is a lower bound, old, new)
        let bounds = [
            ("minimum", true, a.minimum, b.minimum),
            ("maximum", false, a.maximum, b.maximum),
            ("minLength", true, size(a.min_length), size(b.min_length)),
            ("maxLength", false, size(a.max_length), size(b.max_length)),
            ("minItems", true, size(a.min_items), size(b.min_items)),
            ("maxItems", false, size(a.max_items), size(b.max_items)),
        ];
        for (label, lower, old, new) in bounds {
            if old == new {
                continue;
            }
            let tighter = is_tighter(old, new, lower);
            let effect = if tighter {
                Effect::Narrower
            } else {
                Effect::Wider
            };
            let event = format!(
                "{label} {} -> {} ({})",
                limit_text(old),
                limit_text(new),
                if tighter { "tightened" } else { "loosened" }
            );
            self.constraint(group, subject, event, at, effect, usage);
        }
    }

    /// A constraint (bound, pattern) at `at` changed.
    fn constraint(
        &mut self,
        group: &Group,
        subject: &str,
        event: String,
        at: &Place,
        effect: Effect,
        usage: Usage,
    ) {
        // A newtype with a private field is built and decoded only through its
        // checking constructor: the constraint is part of its API.
        let checked = self.models(at).is_some_and(|(old, _)| rust::checked(old));
        let sdk = if self.rust_type_changed(at) {
            (Sdk::Breaking, &rules::S_TYPE)
        } else if !checked {
            (Sdk::Neutral, &rules::S_NOT_ENFORCED)
        } else if effect == Effect::Wider {
            (Sdk::Additive, &rules::S_CHECK_WIDER)
        } else {
            (Sdk::Breaking, &rules::S_CHECK_NARROWER)
        };
        self.push(group, subject, event, sdk, wire(effect, usage));
    }

    fn properties(
        &mut self,
        group: &Group,
        subject: &str,
        a: &Shape,
        b: &Shape,
        usage: Usage,
        at: &Place,
    ) {
        let names: BTreeSet<&String> = a.properties.keys().chain(b.properties.keys()).collect();
        let optionality = |required: bool| if required { "required" } else { "optional" };
        for name in names {
            let path = format!("{subject}.{name}");
            let (was, is) = (a.required.contains(name), b.required.contains(name));
            let field = at.child(Pos::Property { required: is }, Step::Property(name.clone()));
            match (a.properties.get(name), b.properties.get(name)) {
                (None, Some(n)) => {
                    let effect = if is {
                        Effect::AddedRequired
                    } else {
                        Effect::AddedOptional
                    };
                    let mut rated = wire(effect, usage);
                    if a.additional == Additional::Denied {
                        // Old clients decode with deny_unknown_fields.
                        rated = worse(rated, wire(Effect::Wider, usage));
                    }
                    let sdk = match (self.non_exhaustive(at), is) {
                        (true, false) => (Sdk::Additive, &rules::S_NEW_FIELD_NE),
                        (true, true) => (Sdk::Breaking, &rules::S_NEW_REQUIRED_FIELD),
                        (false, _) => (Sdk::Breaking, &rules::S_NEW_FIELD),
                    };
                    self.push(
                        group,
                        &path,
                        format!("property added ({} {})", optionality(is), describe(n)),
                        sdk,
                        rated,
                    );
                }
                (Some(o), None) => self.push(
                    group,
                    &path,
                    format!(
                        "property removed (was {} {})",
                        optionality(was),
                        describe(o)
                    ),
                    (Sdk::Breaking, &rules::S_FIELD_GONE),
                    wire(Effect::Removed, usage),
                ),
                (Some(o), Some(n)) => {
                    if was != is {
                        // Often T and Option<T>, but not always (nullable
                        // fields, arrays with a default): the code says.
                        let sdk = self.same_or_retyped(&field);
                        let (event, effect) = if is {
                            ("made required", Effect::MadeRequired)
                        } else {
                            ("made optional", Effect::MadeOptional)
                        };
                        self.push(group, &path, event, sdk, wire(effect, usage));
                    }
                    self.node(group, &path, o, n, usage, &field);
                }
                (None, None) => {}
            }
        }
    }

    fn additional(
        &mut self,
        group: &Group,
        subject: &str,
        a: &Shape,
        b: &Shape,
        usage: Usage,
        at: &Place,
    ) {
        if a.additional == b.additional {
            return;
        }
        let text = |x: &Additional| match x {
            Additional::Any => "any".to_owned(),
            Additional::Denied => "false".to_owned(),
            Additional::Schema(node) => describe(node),
        };
        let event = format!(
            "additionalProperties {} -> {}",
            text(&a.additional),
            text(&b.additional)
        );
        let retyped = self.rust_type_changed(at);
        // A struct (not a map); typify gives it a flattened map field when its
        // extra keys have a schema, and deny_unknown_fields when they are denied.
        let is_struct = !a.properties.is_empty();
        let same = if retyped {
            (Sdk::Breaking, &rules::S_TYPE)
        } else {
            (Sdk::Neutral, &rules::S_SAME_TYPE)
        };
        let (sdk, effect) = match (&a.additional, &b.additional) {
            (Additional::Schema(x), Additional::Schema(y)) => {
                let values = at.child(Pos::Other, Step::Values);
                self.node(group, &format!("{subject}.*"), x, y, usage, &values);
                return;
            }
            (_, Additional::Denied) => {
                let sdk = if is_struct && !retyped {
                    (Sdk::Breaking, &rules::S_DENY_UNKNOWN)
                } else if is_struct {
                    (Sdk::Breaking, &rules::S_TYPE)
                } else {
                    same
                };
                (sdk, Effect::Narrower)
            }
            (Additional::Denied, Additional::Any) if is_struct && !retyped => {
                ((Sdk::Additive, &rules::S_ALLOW_UNKNOWN), Effect::Wider)
            }
            (Additional::Any, Additional::Schema(_)) => {
                let sdk = if is_struct {
                    (Sdk::Breaking, &rules::S_TYPE)
                } else {
                    same
                };
                (sdk, Effect::Narrower)
            }
            _ => {
                let sdk = if is_struct {
                    (Sdk::Breaking, &rules::S_TYPE)
                } else {
                    same
                };
                (sdk, Effect::Wider)
            }
        };
        self.push(group, subject, event, sdk, wire(effect, usage));
    }
}

/// The breaking one of two wire ratings (the first when they agree).
fn worse(a: Rated<Wire>, b: Rated<Wire>) -> Rated<Wire> {
    if b.0 > a.0 {
        b
    } else {
        a
    }
}

fn same_kind(a: &Kind, b: &Kind) -> bool {
    match (a, b) {
        (Kind::Composite(ka, ma), Kind::Composite(kb, mb)) => ka == kb && ma == mb,
        _ => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

/// Whether a bound moving from `old` to `new` allows fewer values.
fn is_tighter(old: Option<Limit>, new: Option<Limit>, lower: bool) -> bool {
    match (old, new) {
        (None, Some(_)) => true,
        (Some(_), None) | (None, None) => false,
        (Some(o), Some(n)) if o.value == n.value => n.exclusive && !o.exclusive,
        (Some(o), Some(n)) => (n.value > o.value) == lower,
    }
}

fn limit_text(limit: Option<Limit>) -> String {
    match limit {
        None => "(none)".to_owned(),
        Some(Limit {
            value,
            exclusive: true,
        }) => format!("{value} (exclusive)"),
        Some(Limit { value, .. }) => value.to_string(),
    }
}

/// The range of values an integer format allows (no format: typify uses i64).
fn integer_range(format: Option<&str>) -> Option<(f64, f64)> {
    Some(match format {
        Some("int8") => (i8::MIN as f64, i8::MAX as f64),
        Some("uint8") => (0.0, u8::MAX as f64),
        Some("int16") => (i16::MIN as f64, i16::MAX as f64),
        Some("uint16") => (0.0, u16::MAX as f64),
        Some("int32" | "int") => (i32::MIN as f64, i32::MAX as f64),
        Some("uint32" | "uint") => (0.0, u32::MAX as f64),
        None | Some("int64") => (i64::MIN as f64, i64::MAX as f64),
        Some("uint64") => (0.0, u64::MAX as f64),
        Some(_) => return None,
    })
}

/// What a format change does to the allowed values; `None` when they stay the same.
fn format_effect(kind: &Kind, old: Option<&str>, new: Option<&str>) -> Option<Effect> {
    let compare = |a: (f64, f64), b: (f64, f64)| {
        if a == b {
            None
        } else if b.0 <= a.0 && b.1 >= a.1 {
            Some(Effect::Wider)
        } else if b.0 >= a.0 && b.1 <= a.1 {
            Some(Effect::Narrower)
        } else {
            Some(Effect::Retyped)
        }
    };
    match kind {
        Kind::Integer => match (integer_range(old), integer_range(new)) {
            (Some(a), Some(b)) => compare(a, b),
            _ => Some(Effect::Retyped),
        },
        Kind::Number => {
            let precision = |f: Option<&str>| match f {
                Some("float") => Some((0.0, 32.0)),
                None | Some("double") => Some((0.0, 64.0)),
                Some(_) => None,
            };
            match (precision(old), precision(new)) {
                (Some(a), Some(b)) => compare(a, b),
                _ => Some(Effect::Retyped),
            }
        }
        _ => match (old, new) {
            (None, Some(_)) => Some(Effect::Narrower),
            (Some(_), None) => Some(Effect::Wider),
            _ => Some(Effect::Retyped),
        },
    }
}

//! spec-diff, through its public API: where a spec position is in the
//! generated Rust (read from the generator's model), then the rating rules,
//! one small spec edit at a time, each rated through `spec_diff::diff`
//! against the models the generator builds for both sides.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

use openapiv3::OpenAPI;
use xtask::spec_diff::engine::{diff, diff_generated};
use xtask::spec_diff::report::{line, Bump};
use xtask::spec_diff::rust::{checked, open_enum, Generated, Root, Site, Step};
use xtask::spec_diff::{Group, Side, SpecDiff};

fn model_of(yaml: &str) -> Generated {
    let spec = invent_codegen::parse_spec(yaml, "test").unwrap();
    Generated::of(&spec).unwrap()
}

/// The generator's own choices, read rather than predicted: typify makes
/// an integer with `minimum: 1` a `NonZeroU64`; invent-codegen makes a
/// named bounded integer a checked newtype and a named string enum open;
/// a constrained string is a checked newtype, a map of extra keys a
/// flattened field.
#[test]
fn types_come_from_the_generator() {
    let code = model_of(
        r##"openapi: 3.0.3
info: {title: t, version: 0.1.0}
paths: {}
components:
  schemas:
    Thing:
      type: object
      properties:
        count: {type: integer, minimum: 1}
        size: {type: integer, format: int32}
        at: {type: string, format: date-time}
        score: {$ref: "#/components/schemas/Score"}
        code: {type: string, maxLength: 4}
        type: {type: string}
        tags: {type: array, items: {type: string}}
      additionalProperties: {type: integer, format: int32}
    Score: {type: integer, minimum: 1, maximum: 5}
    Status: {type: string, enum: [OPEN]}
    Error: {type: object, properties: {message: {type: string}}}
"##,
    );
    let at = |steps: &[Step]| {
        let site = Site {
            root: Root::Schema("Thing".into()),
            steps: steps.to_vec(),
        };
        code.resolve(&site).map(|r| r.rust_type)
    };
    let field = |name: &str| at(&[Step::Property(name.into())]).unwrap();
    assert_eq!(field("count"), "Option<std::num::NonZeroU64>");
    assert_eq!(field("size"), "Option<i32>");
    assert_eq!(field("at"), "Option<Timestamp>");
    assert_eq!(field("score"), "Option<Score> = Score(u8)");
    assert!(field("code").ends_with("(String)"), "{}", field("code"));
    // Found by the wire name, not the Rust field (`type_`).
    assert_eq!(field("type"), "Option<String>");
    assert_eq!(at(&[Step::Property("type_".into())]), None);
    assert_eq!(at(&[Step::Property("missing".into())]), None);
    assert_eq!(
        at(&[Step::Property("tags".into()), Step::Items]).unwrap(),
        "String"
    );
    assert_eq!(at(&[Step::Values]).unwrap(), "i32");
    let thing = at(&[]).unwrap();
    assert!(thing.starts_with("struct Thing + .."), "{thing}");

    let model = |name: &str| code.resolve(&Site::schema(name)).unwrap().model.unwrap();
    assert!(open_enum(model("Status")));
    assert!(checked(model("Score")));
    assert!(!checked(model("Thing")));
    assert!(model("Thing").non_exhaustive && model("Status").non_exhaustive);
    // A schema the SDK renames is found by its spec name.
    assert!(code.resolve(&Site::schema("Error")).is_some());
}

/// Parameters and bodies as the model's operations hold them: a path
/// parameter as is, a query parameter without the `Option` of being
/// unset, the body as its model.
#[test]
fn operations_come_from_the_generator() {
    let code = model_of(
        r##"openapi: 3.0.3
info: {title: t, version: 0.1.0}
paths:
  /things/{thing_id}:
    patch:
      operationId: update_thing
      parameters:
        - {name: thing_id, in: path, required: true, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1}}
        - {name: dry-run, in: query, required: true, schema: {type: boolean}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/UpdateThing"}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/UpdateThing"}
components:
  schemas:
    UpdateThing:
      type: object
      required: [name]
      properties:
        name: {type: string}
        size: {type: integer, format: int32}
"##,
    );
    let param = |name: &str| {
        let site = Site {
            root: Root::Parameter {
                operation: "update_thing".into(),
                name: name.into(),
            },
            steps: Vec::new(),
        };
        code.resolve(&site).map(|r| r.rust_type)
    };
    assert_eq!(param("thing_id").unwrap(), "String");
    assert_eq!(param("limit").unwrap(), "std::num::NonZeroU64");
    assert_eq!(param("dry-run").unwrap(), "bool");
    assert_eq!(param("nope"), None);
    let body = |steps: Vec<Step>| {
        let site = Site {
            root: Root::Body("update_thing".into()),
            steps,
        };
        code.resolve(&site)
    };
    let whole = body(Vec::new()).unwrap();
    assert_eq!(whole.rust_type, "struct UpdateThing");
    assert!(whole.model.unwrap().non_exhaustive);
    assert_eq!(
        body(vec![Step::Property("name".into())]).unwrap().rust_type,
        "String"
    );
    assert_eq!(
        body(vec![Step::Property("size".into())]).unwrap().rust_type,
        "Option<i32>"
    );
    let other = Site {
        root: Root::Body("no_such_op".into()),
        steps: Vec::new(),
    };
    assert!(code.resolve(&other).is_none());
}

/// Two operations: `Thing` travels in responses, `Input` in requests,
/// `Status` in both; `Score` is a named bounded integer (a checked newtype).
const BASE: &str = r##"openapi: 3.0.3
info: {title: t, version: 0.1.0}
paths:
  /things/{id}:
    get:
      operationId: get_thing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
        "404":
          description: missing
  /things:
    post:
      operationId: create_thing
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Input"}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
components:
  schemas:
    Thing:
      type: object
      required: [id]
      properties:
        id: {type: string}
        size: {type: integer, format: int32, minimum: 0, maximum: 10}
        status: {$ref: "#/components/schemas/Status"}
        created_at: {type: string, format: date-time}
        note: {type: string}
        kind: {type: string, enum: [a, b]}
    Input:
      type: object
      properties:
        name: {type: string}
        score: {$ref: "#/components/schemas/Score"}
        status: {$ref: "#/components/schemas/Status"}
    Status:
      type: string
      enum: [OPEN, CLOSED]
    Score:
      type: integer
      minimum: 1
      maximum: 5
"##;

/// `BASE` with `from` replaced by `to` (which must be there).
fn edit(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "not in BASE: {from}");
    BASE.replacen(from, to, 1)
}

/// The report lines for `old` -> `new`.
fn lines_between(old: &str, new: &str) -> Vec<String> {
    let parse = |text: &str| invent_codegen::parse_spec(text, "test").unwrap();
    diff(&parse(old), &parse(new))
        .changes
        .iter()
        .map(line)
        .collect()
}

/// Each case: replace `from` by `to` in `BASE`; the report is the one line `want`.
fn check(cases: &[(&str, &str, &str)]) {
    for (from, to, want) in cases {
        assert_eq!(
            lines_between(BASE, &edit(from, to)),
            [*want],
            "{from:?} -> {to:?}"
        );
    }
}

const NOTE: &str = "        note: {type: string}\n";
const ID_PARAM: &str = "        - {name: id, in: path, required: true, schema: {type: string}}\n";
const NOT_FOUND: &str = "        \"404\":\n          description: missing\n";

#[test]
fn identical_specs_have_no_changes() {
    assert_eq!(lines_between(BASE, BASE), Vec::<String>::new());
}

#[test]
fn fields_added() {
    check(&[
        // Optional, in a response: Thing is #[non_exhaustive], so no struct
        // literal outside the crate breaks; old clients ignore the key.
        (NOTE, "        note: {type: string}\n        color: {type: string}\n",
         "add    ok     Thing.color: property added (optional string)  [s-new-field-ne, w-unknown-keys]"),
        // Required, in a request: old clients do not send it, and a value
        // built without it fails until it is set.
        ("      properties:\n        name:", "      required: [tag]\n      properties:\n        tag: {type: string}\n        name:",
         "BREAK  BREAK  Input.tag: property added (required string)  [s-new-required-field, w-required-missing]"),
    ]);
}

#[test]
fn field_added_to_a_closed_response_schema_breaks_the_wire() {
    let closed = edit(
        "      required: [id]\n",
        "      required: [id]\n      additionalProperties: false\n",
    );
    let added = closed.replacen(
        NOTE,
        "        note: {type: string}\n        color: {type: string}\n",
        1,
    );
    assert_eq!(
        lines_between(&closed, &added),
        ["add    BREAK  Thing.color: property added (optional string)  [s-new-field-ne, w-wider-out]"]
    );
}

#[test]
fn fields_removed() {
    check(&[
        (NOTE, "", "BREAK  BREAK  Thing.note: property removed (was optional string)  [s-field-gone, w-data-gone]"),
        ("        name: {type: string}\n", "",
         "BREAK  BREAK  Input.name: property removed (was optional string)  [s-field-gone, w-input-ignored]"),
    ]);
}

#[test]
fn required_ness_changes() {
    check(&[
        (
            "    Input:\n      type: object\n",
            "    Input:\n      type: object\n      required: [name]\n",
            "BREAK  BREAK  Input.name: made required  [s-type, w-required-missing]",
        ),
        (
            "      required: [id]\n",
            "      required: [id, note]\n",
            "BREAK  ok     Thing.note: made required  [s-type, w-safe-direction]",
        ),
        (
            "      required: [id]\n",
            "",
            "BREAK  BREAK  Thing.id: made optional  [s-type, w-now-optional]",
        ),
    ]);
}

#[test]
fn type_changes() {
    check(&[
        (
            "note: {type: string}",
            "note: {type: integer}",
            "BREAK  BREAK  Thing.note: type changed: string -> integer  [s-type, w-type]",
        ),
        (
            "        status: {$ref: \"#/components/schemas/Status\"}\n        created_at",
            "        status: {type: string}\n        created_at",
            "BREAK  BREAK  Thing.status: type changed: Status -> string  [s-type, w-type]",
        ),
    ]);
}

#[test]
fn format_changes_rate_by_rust_type_and_range() {
    check(&[
        // i32 becomes i64, and responses may carry values old clients reject.
        (
            "format: int32",
            "format: int64",
            "BREAK  BREAK  Thing.size: format int32 -> int64  [s-type, w-wider-out]",
        ),
        // Timestamp becomes String.
        (
            "created_at: {type: string, format: date-time}",
            "created_at: {type: string}",
            "BREAK  BREAK  Thing.created_at: format date-time -> (none)  [s-type, w-wider-out]",
        ),
        // Still String; a stricter response is fine.
        (
            "note: {type: string}",
            "note: {type: string, format: email}",
            "-      ok     Thing.note: format (none) -> email  [s-same-type, w-safe-direction]",
        ),
    ]);
}

#[test]
fn nullable_added_and_removed() {
    check(&[
        // Optional response field: Option<T> either way, and old clients read null as None.
        (
            "note: {type: string}",
            "note: {type: string, nullable: true}",
            "-      ok     Thing.note: nullable added  [s-same-type, w-null-as-none]",
        ),
        // Required response field: T becomes Option<T>, and old clients fail on null.
        (
            "id: {type: string}",
            "id: {type: string, nullable: true}",
            "BREAK  BREAK  Thing.id: nullable added  [s-type, w-wider-out]",
        ),
    ]);
    let nullable = edit(
        "name: {type: string}",
        "name: {type: string, nullable: true}",
    );
    assert_eq!(
        lines_between(&nullable, BASE),
        ["-      BREAK  Input.name: nullable removed  [s-same-type, w-narrower-in]"]
    );
}

#[test]
fn enum_values_on_open_and_closed_enums() {
    check(&[
        // Status is named (open), in requests and responses.
        (
            "enum: [OPEN, CLOSED]",
            "enum: [OPEN, CLOSED, ARCHIVED]",
            "add    ok     Status: enum value added: ARCHIVED  [s-new-variant-ne, w-safe-direction]",
        ),
        (
            "enum: [OPEN, CLOSED]",
            "enum: [OPEN]",
            "BREAK  BREAK  Status: enum value removed: CLOSED  [s-variant-gone, w-narrower-in]",
        ),
        // Thing.kind is inline: typify generates a closed enum (still
        // #[non_exhaustive]: additive for Rust, a wire break for old clients).
        (
            "enum: [a, b]",
            "enum: [a, b, c]",
            "add    BREAK  Thing.kind: enum value added: c  [s-new-variant-ne, w-closed-enum]",
        ),
    ]);
    // In responses only, a new value of an open enum is kept as Unknown by old clients.
    let responses_only = edit(
        "        status: {$ref: \"#/components/schemas/Status\"}\n    Status:",
        "    Status:",
    );
    let more = responses_only.replacen("enum: [OPEN, CLOSED]", "enum: [OPEN, CLOSED, ARCHIVED]", 1);
    assert_eq!(
        lines_between(&responses_only, &more),
        ["add    ok     Status: enum value added: ARCHIVED  [s-new-variant-ne, w-open-enum]"]
    );
}

#[test]
fn bounds_tightened_and_loosened() {
    check(&[
        // Score is a checked newtype over u8, used in requests.
        (
            "      maximum: 5\n",
            "      maximum: 4\n",
            "BREAK  BREAK  Score: maximum 5 -> 4 (tightened)  [s-check-narrower, w-narrower-in]",
        ),
        (
            "      maximum: 5\n",
            "      maximum: 10\n",
            "add    ok     Score: maximum 5 -> 10 (loosened)  [s-check-wider, w-safe-direction]",
        ),
        // Past u8 the representation (and `get()`'s type) changes.
        (
            "      maximum: 5\n",
            "      maximum: 1000\n",
            "BREAK  ok     Score: maximum 5 -> 1000 (loosened)  [s-type, w-safe-direction]",
        ),
        // Thing.size is inline: the generated i32 does not enforce it; responses widen.
        (
            "maximum: 10}",
            "maximum: 20}",
            "-      BREAK  Thing.size: maximum 10 -> 20 (loosened)  [s-not-enforced, w-wider-out]",
        ),
    ]);
}

#[test]
fn a_named_schema_is_compared_once_not_per_use() {
    // Status is used by Thing and Input; its change is one line, under Status.
    let changes = lines_between(
        BASE,
        &edit("enum: [OPEN, CLOSED]", "enum: [OPEN, CLOSED, ARCHIVED]"),
    );
    assert_eq!(changes.len(), 1, "{changes:?}");
}

#[test]
fn operation_added_and_removed() {
    let added = edit(
        "components:\n",
        "  /things/{id}/archive:\n    post:\n      operationId: archive_thing\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      responses:\n        \"204\": {description: done}\ncomponents:\n",
    );
    assert_eq!(
        lines_between(BASE, &added),
        ["add    ok     operation: added  [s-new-method, w-new-operation]"]
    );
    let parse = |text: &str| invent_codegen::parse_spec(text, "test").unwrap();
    assert!(!diff(&parse(BASE), &parse(&added)).is_breaking());
    let removed = diff(&parse(&added), &parse(BASE));
    assert_eq!(
        removed.changes.iter().map(line).collect::<Vec<_>>(),
        ["BREAK  BREAK  operation: removed  [s-method-gone, w-operation-gone]"]
    );
    assert_eq!(
        removed.changes[0].group,
        Group::Operation {
            path: "/things/{id}/archive".into(),
            method: "post".into()
        }
    );
}

#[test]
fn response_statuses_added_and_removed() {
    check(&[
        // An error status with the same (no) body: same Rust types, still an error for old clients.
        (NOT_FOUND, "        \"404\":\n          description: missing\n        \"409\":\n          description: conflict\n",
         "-      ok     response 409: added (no body)  [s-no-rust-change, w-error-status]"),
        // A second success status with another body changes the return type.
        (NOT_FOUND, "        \"202\":\n          description: accepted\n        \"404\":\n          description: missing\n",
         "BREAK  BREAK  response 202: added (no body)  [s-return-type, w-unexpected-success]"),
        (NOT_FOUND, "", "-      ok     response 404: removed  [s-no-rust-change, w-status-gone]"),
    ]);
}

#[test]
fn parameters_added() {
    check(&[
        (ID_PARAM, "        - {name: id, in: path, required: true, schema: {type: string}}\n        - {name: expand, in: query, required: true, schema: {type: boolean}}\n",
         "BREAK  BREAK  parameter expand (in query): added (required boolean)  [s-required-input, w-required-missing]"),
        (ID_PARAM, "        - {name: id, in: path, required: true, schema: {type: string}}\n        - {name: expand, in: query, schema: {type: boolean}}\n",
         "add    ok     parameter expand (in query): added (optional boolean)  [s-new-setter, w-optional-in]"),
    ]);
}

#[test]
fn unused_schemas_are_off_the_wire_but_still_rust() {
    let spare = edit("    Score:\n", "    Spare:\n      type: object\n      properties:\n        a: {type: string}\n    Score:\n");
    let renamed = spare.replacen(
        "        a: {type: string}\n",
        "        b: {type: string}\n",
        1,
    );
    assert_eq!(
        lines_between(&spare, &renamed),
        [
            "BREAK  ok     Spare.a: property removed (was optional string)  [s-field-gone, w-unused]",
            "add    ok     Spare.b: property added (optional string)  [s-new-field-ne, w-unused]",
        ]
    );
}

#[test]
fn changes_are_grouped_operations_first_then_schemas_by_name() {
    let text = edit("enum: [OPEN, CLOSED]", "enum: [OPEN, CLOSED, ARCHIVED]")
        .replacen(NOTE, "", 1)
        .replacen(NOT_FOUND, "        \"404\":\n          description: missing\n        \"410\":\n          description: gone\n", 1);
    let parse = |text: &str| invent_codegen::parse_spec(text, "test").unwrap();
    let groups: Vec<_> = diff(&parse(BASE), &parse(&text))
        .changes
        .into_iter()
        .map(|c| c.group)
        .collect();
    assert_eq!(
        groups,
        [
            Group::Operation {
                path: "/things/{id}".into(),
                method: "get".into()
            },
            Group::Schema("Status".into()),
            Group::Schema("Thing".into()),
        ]
    );
}

/// The model of a spec: as `invent_codegen::build_model` builds it (every
/// struct and enum `#[non_exhaustive]`), or with that taken off, as the
/// models were before they became non-exhaustive.
fn generated(spec: &OpenAPI, non_exhaustive: bool) -> Result<Generated, String> {
    let mut api = invent_codegen::build_model(spec).map_err(|e| e.to_string())?;
    for model in api.models.values_mut() {
        model.non_exhaustive &= non_exhaustive;
    }
    Ok(Generated::from(api))
}

/// `old` -> `new`, with the generated code (non-exhaustive or not) of each.
fn diff_with(old: &str, new: &str, non_exhaustive: bool) -> SpecDiff {
    let parse = |text: &str| invent_codegen::parse_spec(text, "test").unwrap();
    let (old, new) = (parse(old), parse(new));
    let (old_code, new_code) = (
        generated(&old, non_exhaustive),
        generated(&new, non_exhaustive),
    );
    diff_generated(&old, &new, old_code, new_code)
}

fn lines(diff: &SpecDiff) -> Vec<String> {
    diff.changes.iter().map(line).collect()
}

/// A `Chat` in responses, with a named (open) `ChatStatus`, and an update
/// request body.
const CHAT: &str = r##"openapi: 3.0.3
info: {title: t, version: 0.1.0}
paths:
  /chats/{chat_id}:
    get:
      operationId: get_chat
      parameters:
        - {name: chat_id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Chat"}
    patch:
      operationId: update_chat
      parameters:
        - {name: chat_id, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/UpdateChat"}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Chat"}
components:
  schemas:
    Chat:
      type: object
      required: [id]
      properties:
        id: {type: string}
        status: {$ref: "#/components/schemas/ChatStatus"}
        mode: {type: string, enum: [fast, slow]}
    ChatStatus:
      type: string
      enum: [OPEN, CLOSED]
    UpdateChat:
      type: object
      properties:
        title: {type: string}
"##;

const CHAT_ID: &str = "        id: {type: string}\n";
const TITLE: &str = "        title: {type: string}\n";
const CHAT_STATUS: &str = "enum: [OPEN, CLOSED]";

/// `CHAT` with `from` replaced by `to` (which must be there).
fn chat_edit(from: &str, to: &str) -> String {
    assert!(CHAT.contains(from), "not in CHAT: {from}");
    CHAT.replacen(from, to, 1)
}

/// A new GET operation with a path and a query parameter.
const NEW_OPERATION: &str = r##"  /chats/{chat_id}/messages:
    get:
      operationId: list_messages
      parameters:
        - {name: chat_id, in: path, required: true, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: array, items: {type: string}}
components:
"##;

#[test]
fn an_optional_property_is_minor_on_a_non_exhaustive_struct_only() {
    let added = chat_edit(
        CHAT_ID,
        "        id: {type: string}\n        pinned: {type: boolean}\n",
    );
    let ne = diff_with(CHAT, &added, true);
    assert_eq!(
        lines(&ne),
        ["add    ok     Chat.pinned: property added (optional boolean)  [s-new-field-ne, w-unknown-keys]"]
    );
    assert!(!ne.is_breaking());
    assert_eq!(Bump::of(&ne), Bump::Minor);

    let exhaustive = diff_with(CHAT, &added, false);
    assert_eq!(
        lines(&exhaustive),
        ["BREAK  ok     Chat.pinned: property added (optional boolean)  [s-new-field, w-unknown-keys]"]
    );
    assert!(exhaustive.is_breaking());
}

#[test]
fn request_properties_optional_are_minor_required_are_breaking() {
    let optional = chat_edit(
        TITLE,
        "        title: {type: string}\n        pinned: {type: boolean}\n",
    );
    assert_eq!(
        lines(&diff_with(CHAT, &optional, true)),
        ["add    ok     UpdateChat.pinned: property added (optional boolean)  [s-new-field-ne, w-optional-in]"]
    );
    let required = chat_edit(
        "    UpdateChat:\n      type: object\n",
        "    UpdateChat:\n      type: object\n      required: [pinned]\n",
    )
    .replacen(
        TITLE,
        "        title: {type: string}\n        pinned: {type: boolean}\n",
        1,
    );
    assert_eq!(
        lines(&diff_with(CHAT, &required, true)),
        ["BREAK  BREAK  UpdateChat.pinned: property added (required boolean)  [s-new-required-field, w-required-missing]"]
    );
}

#[test]
fn an_enum_value_is_minor_on_a_non_exhaustive_enum() {
    let added = chat_edit(CHAT_STATUS, "enum: [OPEN, CLOSED, ARCHIVED]");
    let ne = diff_with(CHAT, &added, true);
    assert_eq!(
        lines(&ne),
        ["add    ok     ChatStatus: enum value added: ARCHIVED  [s-new-variant-ne, w-open-enum]"]
    );
    assert!(!ne.is_breaking());
    assert_eq!(
        lines(&diff_with(CHAT, &added, false)),
        ["BREAK  ok     ChatStatus: enum value added: ARCHIVED  [s-new-variant, w-open-enum]"]
    );
    // An inline enum is generated closed: additive for Rust code when
    // non-exhaustive, still breaking for old clients reading responses.
    let inline = chat_edit("enum: [fast, slow]", "enum: [fast, slow, auto]");
    assert_eq!(
        lines(&diff_with(CHAT, &inline, true)),
        ["add    BREAK  Chat.mode: enum value added: auto  [s-new-variant-ne, w-closed-enum]"]
    );
}

#[test]
fn an_operation_with_path_and_query_parameters_is_minor() {
    let added = chat_edit("components:\n", NEW_OPERATION);
    for non_exhaustive in [true, false] {
        let diff = diff_with(CHAT, &added, non_exhaustive);
        assert_eq!(
            lines(&diff),
            ["add    ok     operation: added  [s-new-method, w-new-operation]"]
        );
        assert!(diff.generation_failures.is_empty());
        assert_eq!(Bump::of(&diff), Bump::Minor);
    }
    // A new optional query parameter is a new setter; a required one breaks calls.
    let limit =
        "        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100}}\n";
    let with_cursor = added.replacen(
        limit,
        &format!("{limit}        - {{name: cursor, in: query, schema: {{type: string}}}}\n"),
        1,
    );
    assert_eq!(
        lines(&diff_with(&added, &with_cursor, true)),
        ["add    ok     parameter cursor (in query): added (optional string)  [s-new-setter, w-optional-in]"]
    );
}

/// The whole of the issue's proof: an operation, an optional `Chat` property
/// and a `ChatStatus` value, at once, against non-exhaustive models.
#[test]
fn the_three_additions_together_are_a_minor_release() {
    let added = chat_edit("components:\n", NEW_OPERATION)
        .replacen(
            CHAT_ID,
            "        id: {type: string}\n        pinned: {type: boolean}\n",
            1,
        )
        .replacen(CHAT_STATUS, "enum: [OPEN, CLOSED, ARCHIVED]", 1);
    let diff = diff_with(CHAT, &added, true);
    assert_eq!(diff.changes.len(), 3, "{:?}", lines(&diff));
    assert!(!diff.is_breaking(), "{:?}", lines(&diff));
    assert_eq!(Bump::of(&diff), Bump::Minor);
}

#[test]
fn parameter_types_come_from_the_generated_call_builder() {
    let added = chat_edit("components:\n", NEW_OPERATION);
    // typify: `minimum: 1, maximum: 100` on an unnamed integer is a NonZeroU64
    // either way (the bound is not enforced); `minimum: 0` makes it a u64.
    let loosened = added.replacen("maximum: 100}", "maximum: 1000}", 1);
    assert_eq!(
        lines(&diff_with(&added, &loosened, true)),
        ["-      ok     parameter limit (in query): maximum 100 -> 1000 (loosened)  [s-not-enforced, w-safe-direction]"]
    );
    let from_zero = added.replacen("minimum: 1, maximum: 100", "minimum: 0, maximum: 100", 1);
    assert_eq!(
        lines(&diff_with(&added, &from_zero, true)),
        ["BREAK  ok     parameter limit (in query): minimum 1 -> 0 (loosened)  [s-type, w-safe-direction]"]
    );
}

#[test]
fn a_spec_the_generator_rejects_is_reported_not_a_panic() {
    // Two success statuses with different bodies: progenitor cannot generate it.
    let broken = edit(
        NOT_FOUND,
        "        \"202\":\n          description: accepted\n        \"404\":\n          description: missing\n",
    );
    let parse = |text: &str| invent_codegen::parse_spec(text, "test").unwrap();
    let diff = diff(&parse(BASE), &parse(&broken));
    assert_eq!(diff.generation_failures.len(), 1);
    assert_eq!(diff.generation_failures[0].side, Side::New);
    assert!(diff.is_breaking());
    let report = xtask::spec_diff::render(&diff, "old.yaml", "new.yaml");
    assert!(
        report.contains("BROKEN SPEC: the SDK cannot be generated from new.yaml:"),
        "{report}"
    );
    // The other way round the new spec is fine: only the old side is named.
    let back = xtask::spec_diff::diff(&parse(&broken), &parse(BASE));
    assert_eq!(back.generation_failures[0].side, Side::Old);
}

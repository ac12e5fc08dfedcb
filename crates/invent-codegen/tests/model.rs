//! The model invent-codegen builds from its fixture spec
//! (`tests/fixtures/every_shape.yaml`, which the fixture crate also compiles
//! and calls), and the shapes it refuses with an error naming the operation.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

use invent_codegen::model::{Bound, Location, ModelKind, Presence, TypeRef};

const FIXTURE: &str = include_str!("fixtures/every_shape.yaml");

fn api(text: &str) -> Result<invent_codegen::model::Api, String> {
    let spec = invent_codegen::parse_spec(text, "fixture").map_err(|e| e.to_string())?;
    invent_codegen::build_model(&spec).map_err(|e| e.to_string())
}

#[test]
fn parameters_follow_the_path_then_the_spec_with_typify_types() {
    let api = api(FIXTURE).expect("model");
    let get = api.operation("get_item").expect("get_item");
    let path: Vec<&str> = get.path_params().map(|p| p.name.as_str()).collect();
    assert_eq!(path, ["org_id", "item_id"], "path order, not spec order");
    assert!(get.path_params().all(|p| p.required));

    let query = |name: &str| {
        get.query_params()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("query parameter {name}"))
    };
    assert_eq!(query("q").ty, TypeRef::String);
    assert!(query("q").required);
    assert_eq!(query("verbose").ty, TypeRef::Bool);
    assert_eq!(query("since").ty, TypeRef::Timestamp);
    assert_eq!(query("status").ty, TypeRef::Model("ItemStatus".into()));
    assert_eq!(query("rating").ty, TypeRef::Model("Rating".into()));
    // typify's choice for an inline bounded integer; the maximum it cannot
    // hold is in the bounds the emitter checks.
    assert_eq!(
        query("limit").ty,
        TypeRef::Builtin("::std::num::NonZeroU64".into())
    );
    let bounds = query("limit").bounds.expect("bounds");
    assert_eq!(
        (bounds.min, bounds.max),
        (
            Some(Bound {
                value: 1.0,
                exclusive: false
            }),
            Some(Bound {
                value: 100.0,
                exclusive: false
            })
        )
    );
    let ratio = query("ratio").bounds.expect("bounds");
    assert_eq!(ratio.min.map(|b| b.exclusive), Some(true));
    assert_eq!(get.success.ty, Some(TypeRef::Model("Item".into())));
    assert!(get.idempotent);
}

#[test]
fn bodies_responses_and_extensions() {
    let api = api(FIXTURE).expect("model");
    let create = api.operation("create_item").expect("create_item");
    assert_eq!(create.method, "POST");
    assert!(create.idempotent, "x-invent-idempotent overrides POST");
    assert!(create.extra_checks);
    assert_eq!(
        create.extensions.get("x-invent-extra-checks"),
        Some(&serde_json::Value::Bool(true))
    );
    let body = create.body.as_ref().expect("a body");
    assert!(body.required);
    assert_eq!(create.success.status, "201");

    let fields = api.body_fields(create).expect("a struct body");
    let field = |name: &str| fields.iter().find(|f| f.name == name).expect(name);
    assert_eq!(field("name").presence, Presence::Required);
    assert_eq!(field("due_at").presence, Presence::Nullable);
    assert_eq!(field("due_at").value_ty(), &TypeRef::Timestamp);
    assert_eq!(field("weight").presence, Presence::Optional);
    assert!(field("weight").bounds.is_some());
    assert!(
        field("rating").bounds.is_none(),
        "a checked type, not inline bounds"
    );
    // typify defaults an absent array to empty rather than wrapping it.
    assert_eq!(field("labels").ty, TypeRef::Vec(Box::new(TypeRef::String)));

    let delete = api.operation("delete_item").expect("delete_item");
    assert_eq!(
        (delete.success.status.as_str(), &delete.success.ty),
        ("204", &None)
    );
    assert!(delete
        .parameters
        .iter()
        .all(|p| p.location == Location::Path));

    let touch = api.operation("touch_item").expect("touch_item");
    assert!(!touch.idempotent);
    assert_eq!(
        touch.response_example,
        Some(serde_json::json!({"id": "item_1", "status": "active"}))
    );
    // Without an example, the smallest value the schema accepts.
    assert_eq!(
        api.operation("get_item").unwrap().response_example,
        Some(serde_json::json!({"id": "string"}))
    );
}

#[test]
fn models_come_from_the_type_space_and_the_emitted_types() {
    let api = api(FIXTURE).expect("model");
    match &api.schema("ItemStatus").expect("ItemStatus").kind {
        ModelKind::OpenEnum { values } => {
            let wire: Vec<(&str, &str)> = values
                .iter()
                .map(|v| (v.wire.as_str(), v.variant.as_str()))
                .collect();
            assert_eq!(wire, [("active", "Active"), ("archived", "Archived")]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        api.schema("Rating").expect("Rating").kind,
        ModelKind::CheckedInteger {
            min: 1,
            max: 5,
            repr: TypeRef::Builtin("u8".into())
        }
    );
    assert!(
        api.schema("NullableTimestamp").is_none(),
        "replaced by the SDK's Nullable<Timestamp>"
    );
    match &api.schema("Item").expect("Item").kind {
        ModelKind::Struct { fields } => {
            let tags = fields.iter().find(|f| f.name == "tags").expect("tags");
            assert_eq!(
                tags.ty,
                TypeRef::Option(Box::new(TypeRef::Vec(Box::new(TypeRef::String))))
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn wire_names_differ_from_rust_names_where_typify_renames() {
    let spec = FIXTURE.replace(
        "        name: {type: string, description: The item's name.}",
        "        name: {type: string, description: The item's name.}\n        \
         type: {type: string}\n        display-name: {type: string}",
    );
    let api = api(&spec).expect("model");
    let fields = api
        .body_fields(api.operation("create_item").unwrap())
        .unwrap();
    let rust = |wire: &str| {
        fields
            .iter()
            .find(|f| f.name == wire)
            .map(|f| f.rust_name.as_str())
    };
    assert_eq!(rust("type"), Some("type_"));
    assert_eq!(rust("display-name"), Some("display_name"));
}

/// Each edit of the fixture, and what the error must say.
#[test]
fn shapes_the_runtime_cannot_send_are_refused_naming_the_operation() {
    let cases = [
        (
            "- {name: verbose, in: query, schema: {type: boolean}}",
            "- {name: verbose, in: query, schema: {type: string, enum: [a, b]}}",
            "operation get_item: parameter verbose",
        ),
        (
            "- {name: verbose, in: query, schema: {type: boolean}}",
            "- {name: verbose, in: query, schema: {type: array, items: {type: string}}}",
            "operation get_item: parameter verbose",
        ),
        (
            "- {name: verbose, in: query, schema: {type: boolean}}",
            "- {name: verbose, in: header, schema: {type: boolean}}",
            "operation get_item: header and cookie parameters",
        ),
        (
            "            schema: {$ref: \"#/components/schemas/NewItem\"}",
            "            schema: {type: object, properties: {a: {type: string}}}",
            "operation create_item: the request body",
        ),
        (
            "      operationId: touch_item\n",
            "      operationId: touch_item\n      x-invent-idempotent: maybe\n",
            "operation touch_item: x-invent-idempotent",
        ),
        (
            "      operationId: delete_item\n",
            "      operationId: Client\n",
            "operation Client: its builder would be named Client",
        ),
        (
            "      operationId: delete_item\n",
            "",
            "/orgs/{org_id}/items/{item_id} is missing operation ID",
        ),
    ];
    for (from, to, expected) in cases {
        assert!(FIXTURE.contains(from), "{from}");
        let edited = FIXTURE.replacen(from, to, 1);
        let spec = invent_codegen::parse_spec(&edited, "fixture");
        let error = match spec {
            Ok(spec) => invent_codegen::generate_sdk(&spec)
                .err()
                .map(|e| e.to_string()),
            Err(e) => Some(e.to_string()),
        };
        let error = error.unwrap_or_else(|| panic!("{to:?} was accepted"));
        assert!(error.contains(expected), "{to:?}: {error}");
    }
}

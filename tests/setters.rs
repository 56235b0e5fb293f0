//! Issue 25: setters in the aws-sdk-rust style on request types, used as a downstream crate
//! would. `with_x(impl Into<T>)` sets a value (a `&str` for a `String`, also on optional
//! nullable fields), `set_x(Option<T>)` sets or leaves out (never `null`), `with_x_null()`
//! sends an explicit `null`; `x()` and `x_is_null()` read an `Option<Option<T>>` field.

mod common;

use plaid_idv::types::{
    IdentityVerificationCreateRequest, IdentityVerificationCreateRequestRequired,
    IdentityVerificationCreateRequestUser, IdentityVerificationListRequest, IdentityVerificationListRequestRequired,
    UserIdentity,
};
use plaid_idv::{Client, Environment, Secret};
use serde_json::Value;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const CREATE_EXAMPLE: &str = include_str!("../generated/spec-examples/identity_verification_create_200_example_1.json");

fn create() -> IdentityVerificationCreateRequest {
    IdentityVerificationCreateRequest::new(IdentityVerificationCreateRequestRequired {
        template_id: "idvtmp_1".into(),
        gave_consent: false,
        is_shareable: false,
        identity: UserIdentity::ClientUserId("u-1".into()),
    })
}

/// The bodies the client sends for each request, in order, exactly as they went on the wire.
async fn sent_bodies(requests: &[IdentityVerificationCreateRequest]) -> Vec<String> {
    let server = MockServer::start().await;
    Mock::given(path("/identity_verification/create"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(CREATE_EXAMPLE, "application/json"))
        .mount(&server)
        .await;
    let client = Client::builder("client-id", Secret::new("secret"))
        .environment(Environment::Custom(server.uri()))
        .build()
        .unwrap();
    for r in requests {
        client.identity_verification_create(r).await.unwrap();
    }
    let got = server.received_requests().await.unwrap();
    got.iter().map(|r| String::from_utf8(r.body.clone()).unwrap()).collect()
}

#[tokio::test]
async fn with_sends_the_value_set_none_leaves_it_out_and_with_null_sends_null() {
    const BASE: &str = r#""client_user_id":"u-1","is_shareable":false,"template_id":"idvtmp_1","gave_consent":false"#;
    let user = IdentityVerificationCreateRequestUser::new()
        // `&str` into an optional nullable `String` field (E0277 before).
        .with_phone_number("+14155550123")
        .with_email_address("jane@example.com");
    let bodies = sent_bodies(&[
        create().with_is_idempotent(true).with_user(user.clone()),
        create().with_is_idempotent(true).set_is_idempotent(None).set_user(None),
        create().with_is_idempotent_null().with_user_null(),
        create().set_is_idempotent(Some(false)).set_user(Some(user)),
        // The last call wins: a value after `null`, `null` after a value.
        create().with_is_idempotent_null().with_is_idempotent(true).with_user_null().set_user(None),
    ])
    .await;
    let user_json = r#"{"email_address":"jane@example.com","phone_number":"+14155550123"}"#;
    assert_eq!(bodies[0], format!(r#"{{{BASE},"user":{user_json},"is_idempotent":true}}"#));
    assert_eq!(bodies[1], format!("{{{BASE}}}"), "set_x(None) leaves the key out");
    assert_eq!(bodies[2], format!(r#"{{{BASE},"user":null,"is_idempotent":null}}"#));
    assert_eq!(bodies[3], format!(r#"{{{BASE},"user":{user_json},"is_idempotent":false}}"#));
    assert_eq!(bodies[4], format!(r#"{{{BASE},"is_idempotent":true}}"#));
}

#[test]
fn getters_read_a_value_and_tell_null_from_absent() {
    let absent = create();
    assert_eq!((absent.is_idempotent(), absent.is_idempotent_is_null()), (None, false));
    let null = create().with_is_idempotent_null();
    assert_eq!((null.is_idempotent(), null.is_idempotent_is_null()), (None, true));
    let set = create().with_is_idempotent(true);
    assert_eq!((set.is_idempotent(), set.is_idempotent_is_null()), (Some(true), false));
    // A `String` reads as `&str`.
    let user = IdentityVerificationCreateRequestUser::new().with_phone_number("+14155550123");
    assert_eq!(user.phone_number(), Some("+14155550123"));
    let list = IdentityVerificationListRequest::new(IdentityVerificationListRequestRequired {
        template_id: "idvtmp_1".into(),
        identity: UserIdentity::ClientUserId("u-1".into()),
    })
    .with_cursor("c1");
    assert_eq!(list.cursor(), Some("c1"));
    assert_eq!(serde_json::to_value(list.set_cursor(None)).unwrap().get("cursor"), None::<&Value>);
}

/// Read from the generated source with `syn`: every request field typed `Option<Option<T>>`
/// has `with_x(impl Into<T>)` (not `impl Into<Option<T>>`), `set_x(Option<T>)`,
/// `with_x_null()`, `x(&self)` and `x_is_null(&self)`; every `Option<T>` field has `with_x` and
/// `set_x`.
#[test]
fn every_optional_request_field_has_the_accessors() {
    use quote::ToTokens;
    let src = std::fs::read_to_string(common::root().join("generated/src/types.rs")).unwrap();
    let file = syn::parse_file(&src).unwrap();
    let text = |t: &dyn ToTokens| t.to_token_stream().to_string().replace(' ', "");
    let mut methods: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
    let mut structs = Vec::new();
    for item in &file.items {
        match item {
            syn::Item::Struct(s) => structs.push(s),
            syn::Item::Impl(i) if i.trait_.is_none() => {
                let ty = text(&*i.self_ty);
                for it in &i.items {
                    if let syn::ImplItem::Fn(f) = it {
                        methods
                            .entry(ty.clone())
                            .or_default()
                            .push((f.sig.ident.to_string(), text(&f.sig.inputs).trim_end_matches(',').to_string()));
                    }
                }
            }
            _ => {}
        }
    }
    // Required fields (a nullable one is an `Option<T>` too): those of `XRequired`, and `new`'s.
    let mut required: std::collections::BTreeSet<(String, String)> = Default::default();
    for s in &structs {
        if let Some(owner) = s.ident.to_string().strip_suffix("Required") {
            required.extend(s.fields.iter().map(|f| (owner.to_string(), f.ident.as_ref().unwrap().to_string())));
        }
    }
    for item in &file.items {
        let syn::Item::Impl(i) = item else { continue };
        for it in &i.items {
            let syn::ImplItem::Fn(f) = it else { continue };
            if f.sig.ident == "new" {
                for input in &f.sig.inputs {
                    if let syn::FnArg::Typed(p) = input {
                        required.insert((text(&*i.self_ty), text(&*p.pat)));
                    }
                }
            }
        }
    }
    let mut double = 0;
    for s in structs {
        let name = s.ident.to_string();
        let Some(ms) = methods.get(&name) else { continue };
        // Request types are the ones with setters.
        if !ms.iter().any(|(m, _)| m.starts_with("with_")) {
            continue;
        }
        let has = |m: &str| ms.iter().find(|(n, _)| n == m).map(|(_, i)| i.clone());
        for f in &s.fields {
            let field = f.ident.as_ref().unwrap().to_string();
            if required.contains(&(name.clone(), field.clone())) {
                continue;
            }
            let base = field.trim_end_matches('_');
            let ty = text(&f.ty);
            let Some(inner) = ty.strip_prefix("Option<").and_then(|t| t.strip_suffix('>')) else { continue };
            let with = has(&format!("with_{base}")).unwrap_or_else(|| panic!("{name}.{field}: no with_{base}"));
            let set = has(&format!("set_{base}")).unwrap_or_else(|| panic!("{name}.{field}: no set_{base}"));
            match inner.strip_prefix("Option<").and_then(|t| t.strip_suffix('>')) {
                Some(t) => {
                    double += 1;
                    assert!(with.ends_with(&format!("implInto<{t}>")), "{name}.with_{base}({with})");
                    assert!(set.ends_with(&format!("Option<{t}>")), "{name}.set_{base}({set})");
                    for m in [format!("with_{base}_null"), field.clone(), format!("{base}_is_null")] {
                        assert!(has(&m).is_some(), "{name}.{field}: no {m}");
                    }
                }
                None => {
                    assert!(with.ends_with(&format!("implInto<{inner}>")), "{name}.with_{base}({with})");
                    assert!(set.ends_with(&format!("Option<{inner}>")), "{name}.set_{base}({set})");
                }
            }
        }
    }
    assert!(double >= 10, "found {double} Option<Option<T>> fields");
}

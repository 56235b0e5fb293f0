//! #22 (issue 25): the shapes of one concept convert into each other (`[[convert]]` in
//! `spec/portion.toml`): the user of a create request and of a retry request, and a session's
//! user data into either, so a stored profile prefills a new session without glue.

use plaid_idv::types::{
    IdentityVerificationCreateRequestUser, IdentityVerificationGetResponse, IdentityVerificationRequestUser,
    IdentityVerificationRequestUserName, IdentityVerificationRequestUserNameRequired, UserAddress,
};
use serde_json::{json, Value};

fn create_user() -> IdentityVerificationCreateRequestUser {
    IdentityVerificationCreateRequestUser::new()
        .with_email_address("jane@example.com")
        .with_phone_number_null()
        .with_name(IdentityVerificationRequestUserName::new(IdentityVerificationRequestUserNameRequired {
            given_name: "Jane".into(),
            family_name: "Doe".into(),
        }))
        .with_address(UserAddress::new("US").with_city("Austin"))
        .with_client_user_id("customer-8841")
}

#[test]
fn create_and_retry_users_convert_both_ways() {
    let create = create_user();
    let retry: IdentityVerificationRequestUser = create.clone().into();
    let mut expected = serde_json::to_value(&create).unwrap();
    expected.as_object_mut().unwrap().remove("client_user_id");
    // Everything but `client_user_id`, an explicit null included.
    assert_eq!(serde_json::to_value(&retry).unwrap(), expected);
    assert_eq!(expected["phone_number"], Value::Null);
    let back: IdentityVerificationCreateRequestUser = retry.into();
    assert_eq!(serde_json::to_value(&back).unwrap(), expected, "client_user_id starts empty");
}

#[test]
fn a_sessions_user_data_prefills_a_new_request() {
    let body = json!({
        "phone_number": null,
        "date_of_birth": "1990-05-17",
        "ip_address": "203.0.113.7",
        "email_address": "jane@example.com",
        "name": {"given_name": "Jane", "family_name": "Doe"},
        "address": {"street": "1 Main St", "street2": null, "city": "Austin", "region": "TX", "postal_code": "78701", "country": "US"},
        "id_number": {"value": "123456789", "type": "us_ssn"}
    });
    let session = json!({"user": body});
    // The user data as a session holds it (decoded through the get response's model).
    let mut example: Value =
        serde_json::from_str(include_str!("../generated/spec-examples/identity_verification_get_200_example_1.json"))
            .unwrap();
    example["user"] = session["user"].clone();
    let got: IdentityVerificationGetResponse = serde_json::from_value(example).unwrap();
    let data = got.user;
    let create: IdentityVerificationCreateRequestUser = data.clone().into();
    let sent = serde_json::to_value(&create).unwrap();
    assert_eq!(
        sent,
        json!({
            "email_address": "jane@example.com",
            "date_of_birth": "1990-05-17",
            "name": {"given_name": "Jane", "family_name": "Doe"},
            "address": {"street": "1 Main St", "city": "Austin", "region": "TX", "postal_code": "78701", "country": "US"},
            "id_number": {"value": "123456789", "type": "us_ssn"}
        }),
        "a null in the session is left out of the request, never sent as null; ip_address is dropped"
    );
    let retry: IdentityVerificationRequestUser = data.into();
    let mut without_id = sent;
    without_id.as_object_mut().unwrap().remove("client_user_id");
    assert_eq!(serde_json::to_value(&retry).unwrap(), without_id);
}

/// Our own spec makes every declared conversion, with no warning: a conversion `gen` skips
/// (it warns where a spec's shapes diverge, as older Plaid specs do) would vanish silently here.
#[test]
fn our_spec_makes_every_declared_conversion_without_warning() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out =
        plaid_idv_generator::generate(&root.join("spec/plaid-idv.yaml"), &root.join("spec/portion.toml")).unwrap();
    let portion = plaid_idv_generator::portion::Portion::load(&root.join("spec/portion.toml")).unwrap();
    assert!(out.ir.warnings.is_empty(), "{:?}", out.ir.warnings);
    assert_eq!(portion.convert.len(), 6);
    for c in &portion.convert {
        let made = out.ir.conversions.iter().any(|m| m.from == c.from && m.into == c.into && !m.map.is_empty());
        assert!(made, "{} → {} was not made", c.from, c.into);
    }
}

/// A prefill profile stored as a request user decodes again (feature `deserialize-requests`,
/// which `test-util` turns on), an explicit `null` included.
#[test]
fn a_stored_request_user_round_trips() {
    let user = create_user();
    let stored = serde_json::to_vec(&user).unwrap();
    let back: IdentityVerificationCreateRequestUser = plaid_idv::decode(&stored).unwrap();
    assert_eq!(back, user);
    assert!(back.phone_number_is_null());
}

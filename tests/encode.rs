//! The models' `Serialize` impls are written out by `emit/types.rs` (a list of fields handed
//! to one shared routine, not serde's derive; see the README's performance section). These
//! pin what they must keep from the derive, on serde's own token stream: the struct name, the
//! number of fields written, field order, absent fields left out and `Some(None)` as `null`.

use plaid_idv::types::{IdentityVerificationCreateRequest, IdentityVerificationCreateRequestRequired, UserIdentity};
use serde_test::{assert_ser_tokens, Token};

fn request() -> IdentityVerificationCreateRequest {
    IdentityVerificationCreateRequest::new(IdentityVerificationCreateRequestRequired {
        is_shareable: true,
        template_id: "idvtmp_1".into(),
        gave_consent: false,
        identity: UserIdentity::ClientUserId("user-1".into()),
    })
}

/// The fields `new` sets in `request()`, as serde's tokens: the identity, then the three
/// required fields.
const REQUIRED: [Token; 9] = [
    Token::Str("client_user_id"),
    Token::Some,
    Token::Str("user-1"),
    Token::Str("is_shareable"),
    Token::Bool(true),
    Token::Str("template_id"),
    Token::Str("idvtmp_1"),
    Token::Str("gave_consent"),
    Token::Bool(false),
];

#[test]
fn required_fields_only_in_spec_order_with_the_written_count() {
    let tokens =
        [&[Token::Struct { name: "IdentityVerificationCreateRequest", len: 4 }][..], &REQUIRED, &[Token::StructEnd]]
            .concat();
    assert_ser_tokens(&request(), &tokens);
}

#[test]
fn present_options_as_some_and_an_explicit_null_as_some_none() {
    let r = request().with_is_idempotent_null();
    let tokens = [
        &[Token::Struct { name: "IdentityVerificationCreateRequest", len: 5 }][..],
        &REQUIRED,
        &[Token::Str("is_idempotent"), Token::Some, Token::None, Token::StructEnd],
    ]
    .concat();
    assert_ser_tokens(&r, &tokens);
    assert_eq!(
        serde_json::to_string(&r).unwrap(),
        r#"{"client_user_id":"user-1","is_shareable":true,"template_id":"idvtmp_1","gave_consent":false,"is_idempotent":null}"#
    );
}

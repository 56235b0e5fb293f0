//! The models' `Deserialize` impls are written out by `emit/types.rs` (not derived; see the
//! README's performance section). These pin the behaviour they must keep from serde's derive:
//! field names, unknown keys, duplicates, missing fields, `null`, and the two `Option` shapes.

use plaid_idv::types::{DashboardUser, DashboardUserListRequest, DashboardUserListResponse, DashboardUserStatus};

const USER: &str =
    r#"{"id":"usr_1","created_at":"2024-01-02T03:04:05Z","email_address":"a@example.com","status":"active"}"#;

fn user(json: &str) -> Result<DashboardUser, String> {
    serde_json::from_str(json).map_err(|e| e.to_string())
}

#[test]
fn fields_by_wire_name_unknown_keys_skipped_in_any_order() {
    let u = user(r#"{"extra":{"nested":[1,2,{"x":null}]},"status":"active","email_address":"a@example.com","created_at":"2024-01-02T03:04:05Z","id":"usr_1"}"#).unwrap();
    assert_eq!(u.id.as_str(), "usr_1");
    assert_eq!(u.email_address, "a@example.com");
    assert_eq!(u.status, DashboardUserStatus::Active);
    assert_eq!(u.created_at.to_rfc3339(), "2024-01-02T03:04:05+00:00");
    // A key written with an escape is the same key (read as an owned string, not borrowed).
    let escaped = USER.replace("\"status\"", "\"st\\u0061tus\"");
    assert_eq!(user(&escaped).unwrap(), user(USER).unwrap());
    // From a `serde_json::Value` too (keys arrive as owned strings there).
    let v: serde_json::Value = serde_json::from_str(USER).unwrap();
    assert_eq!(serde_json::from_value::<DashboardUser>(v).unwrap(), user(USER).unwrap());
}

#[test]
fn duplicate_and_missing_fields_are_errors_with_serdes_messages() {
    let dup = USER.replace("\"status\":\"active\"", "\"status\":\"active\",\"status\":\"deactivated\"");
    let e = user(&dup).unwrap_err();
    assert!(e.starts_with("duplicate field `status`"), "{e}");
    let missing = USER.replace(",\"email_address\":\"a@example.com\"", "");
    let e = user(&missing).unwrap_err();
    assert!(e.starts_with("missing field `email_address`"), "{e}");
    assert!(user(r#"{}"#).unwrap_err().starts_with("missing field `id`"));
    // A wrong type names the field's expected type; a non-object names the struct.
    let e = user(&USER.replace("\"a@example.com\"", "7")).unwrap_err();
    assert!(e.starts_with("invalid type: integer `7`, expected a string"), "{e}");
    let e = user("[\"usr_1\"]").unwrap_err();
    assert!(e.starts_with("invalid type: sequence, expected struct DashboardUser"), "{e}");
    let e = user("\"usr_1\"").unwrap_err();
    assert!(e.starts_with("invalid type: string \"usr_1\", expected struct DashboardUser"), "{e}");
}

#[test]
fn nullable_and_optional_fields() {
    // `next_cursor` is required but nullable: `null` and a missing key are both `None`.
    let page = |json: &str| serde_json::from_str::<DashboardUserListResponse>(json).map_err(|e| e.to_string());
    let with = page(r#"{"dashboard_users":[],"next_cursor":"c2","request_id":"r"}"#).unwrap();
    assert_eq!(with.next_cursor.as_deref(), Some("c2"));
    assert_eq!(page(r#"{"dashboard_users":[],"next_cursor":null,"request_id":"r"}"#).unwrap().next_cursor, None);
    assert_eq!(page(r#"{"dashboard_users":[],"request_id":"r"}"#).unwrap().next_cursor, None);
    assert!(page(r#"{"next_cursor":null,"request_id":"r"}"#)
        .unwrap_err()
        .starts_with("missing field `dashboard_users`"));
    // A request's optional + nullable `cursor` is `Option<Option<_>>`: absent, `null` and a
    // value are three different things, both ways (Deserialize with `test-util`).
    let req = |json: &str| serde_json::from_str::<DashboardUserListRequest>(json).unwrap().cursor;
    assert_eq!(req("{}"), None);
    assert_eq!(req(r#"{"cursor":null}"#), Some(None));
    assert_eq!(req(r#"{"cursor":"c"}"#), Some(Some("c".to_string())));
    let mut r = DashboardUserListRequest::default();
    assert_eq!(serde_json::to_string(&r).unwrap(), "{}");
    r.cursor = Some(None);
    assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"cursor":null}"#);
    r.cursor = Some(Some("c".into()));
    assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"cursor":"c"}"#);
}

#[test]
fn a_string_enum_refuses_a_number_or_boolean_it_does_not_list() {
    // `Unknown(String)` keeps any unlisted string verbatim, but could not re-encode a number as
    // a number, so an unlisted number or boolean is an error, not a silent `Unknown("1")`.
    for bad in ["14155550011", "true", "1.5"] {
        let e = user(&USER.replace("\"active\"", bad)).unwrap_err();
        assert!(
            e.starts_with("invalid type: a number or boolean, expected a string value of DashboardUserStatus"),
            "{bad}: {e}"
        );
        assert!(!e.contains(bad), "the value stays out of the message: {e}");
    }
    let unknown = user(&USER.replace("\"active\"", "\"on_leave\"")).unwrap();
    assert_eq!(unknown.status, DashboardUserStatus::Unknown("on_leave".into()));
    assert!(serde_json::to_string(&unknown).unwrap().contains(r#""status":"on_leave""#));
}

#[test]
fn written_out_debug_prints_what_the_derive_printed() {
    assert_eq!(format!("{:?}", DashboardUserStatus::Active), "Active");
    assert_eq!(format!("{:?}", DashboardUserStatus::Unknown("x".into())), r#"Unknown("x")"#);
    let u = user(USER).unwrap();
    let debug = format!("{u:?}");
    assert!(
        debug.starts_with(r#"DashboardUser { id: DashboardUserId("usr_1"), created_at: 2024-01-02T03:04:05Z,"#),
        "{debug}"
    );
    assert!(debug.ends_with("status: Active }"), "{debug}");
}

/// `plaid_idv::decode` reads the body as text after one UTF-8 check of the whole body (so that
/// serde_json does not check each string again, issue 26): invalid UTF-8 is an error that names
/// where it is, without the bytes in its text, inside a field the model reads or one it skips
/// (serde_json's `from_slice` lets the latter through), and the body stays reachable.
#[test]
fn invalid_utf8_is_a_decode_error_with_its_path_wherever_it_is() {
    for (body, path) in [
        (USER.replace("a@example.com", "a@ex#ample.com"), "email_address"),
        (USER.replace('}', r#","extra":{"note":"x#y"}}"#), "extra.note"),
    ] {
        // `#` marks where the invalid byte goes.
        let mut bytes = body.into_bytes();
        let at = bytes.iter().position(|b| *b == b'#').unwrap();
        bytes[at] = 0xff;
        let e = plaid_idv::decode::<DashboardUser>(&bytes).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("cannot decode response at `{path}`: invalid UTF-8 (JSON text must be UTF-8)")
        );
        assert_eq!(e.raw_body().map(|b| b.as_bytes().to_vec()), Some(bytes.clone()), "the body is kept");
    }
    // What serde_json's own slice reader does with the second: accepts it.
    let mut skipped = USER.replace('}', r#","extra":"x#y"}"#).into_bytes();
    let at = skipped.iter().position(|b| *b == b'#').unwrap();
    skipped[at] = 0xff;
    assert!(serde_json::from_slice::<DashboardUser>(&skipped).is_ok());
    assert!(plaid_idv::decode::<DashboardUser>(&skipped).is_err());
    // Valid bodies decode as before, non-ASCII text included.
    let accented = USER.replace("a@example.com", "é😀@example.com");
    assert_eq!(plaid_idv::decode::<DashboardUser>(accented.as_bytes()).unwrap().email_address, "é😀@example.com");
}

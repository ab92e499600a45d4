use super::*;

#[test]
fn form_values_are_found_by_key_and_decoded() {
    assert_eq!(
        form_value("profile=onvue", "profile").as_deref(),
        Some("onvue")
    );
    assert_eq!(
        form_value("x=1&profile=my%20exam+2", "profile").as_deref(),
        Some("my exam 2")
    );
    assert_eq!(form_value("profiles=x", "profile"), None);
    assert_eq!(
        form_value("profile=100%", "profile").as_deref(),
        Some("100%")
    );
    assert_eq!(form_value("profile=%zz", "profile").as_deref(), Some("%zz"));
    assert_eq!(form_value("profile=%ff", "profile"), None);
    assert_eq!(form_value("profile=%aé", "profile").as_deref(), Some("%aé"));
}

#[test]
fn tokens_are_random_and_32_hex_digits() {
    let (a, b) = (new_token().unwrap(), new_token().unwrap());
    assert_ne!(a, b);
    assert!(a.len() == 32 && a.bytes().all(|c| c.is_ascii_hexdigit()));
}

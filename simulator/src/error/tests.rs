//! Unit tests of `error.rs`, kept in their own file so error.rs stays within the length rule.

use super::*;

#[test]
fn every_forcible_publishing_error_names_a_sourced_family_with_is_transient() {
    for &sub in FORCIBLE_SUBCODES {
        let e = GraphError::for_publishing_subcode(sub, "u", "8 MiB");
        assert!(e.envelope.is_transient.is_some(), "{sub}");
        assert!(!e.envelope.source.is_empty(), "{sub}");
        assert!(e.user_title.is_some() && e.user_msg.is_some(), "{sub}");
    }
    assert_eq!(GraphError::publishing_spam_block().status(), 403);
}

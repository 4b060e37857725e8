//! Errors of comment moderation, mentions, hashtag search and business discovery.
//!
//! Where the facts give no primary source the wording is a best guess, marked UNCONFIRMED,
//! and the code comes from `Config` when the facts name it as a knob.

use super::{GraphError, IG_PUBLISHING, PARAMETER};

impl GraphError {
    /// Commenting (or replying, or reading a mentioned comment) on media whose owner turned
    /// comments off (`IGREF:ig-user/mentioned_comment`: "returns an error if comments are
    /// disabled"). Code and text UNCONFIRMED.
    pub(crate) fn comments_disabled() -> Self {
        GraphError::of(PARAMETER, 100, "(#100) Comments are disabled for this media")
            .user("Comments Disabled", "Comments have been turned off for this post.")
    }

    /// A comment text over the limit (`model::comment::MAX_COMMENT_CHARS`). Code and text
    /// UNCONFIRMED (Graph's generic parameter wording).
    pub(crate) fn text_too_long(param: &str, length: usize, max: usize) -> Self {
        GraphError::of(
            PARAMETER,
            100,
            format!("(#100) Param {param} must be at most {max} characters long (got {length})"),
        )
    }

    /// "You cannot reply to hidden comments" (`IGREF:ig-comment/replies`). Text UNCONFIRMED.
    pub(crate) fn reply_to_hidden_comment() -> Self {
        GraphError::of(PARAMETER, 100, "(#100) Cannot reply to a hidden comment")
    }

    /// Hide/delete/reply are not available on live video comments (facts §4.6). Text
    /// UNCONFIRMED.
    pub(crate) fn live_comment_operation() -> Self {
        GraphError::of(
            PARAMETER,
            100,
            "(#100) This operation is not supported for comments on live video; use private replies instead",
        )
    }

    /// `mentioned_comment`/`mentioned_media`/`mentions` with an id that is not an @mention
    /// of the account (facts §4.8). Text UNCONFIRMED.
    pub(crate) fn not_a_mention(what: &str, id: &str) -> Self {
        GraphError::invalid_param(format!("The {what} {id} does not mention this Instagram account"))
    }

    /// "Mentions on Stories are not supported" (guides "Mentions"). Text UNCONFIRMED.
    pub(crate) fn story_mentions_unsupported() -> Self {
        GraphError::invalid_param("Mentions on stories are not supported")
    }

    /// The 31st unique hashtag in the window (facts §1.4, §4.7; code from `Config`,
    /// UNCONFIRMED).
    pub(crate) fn hashtag_limit_reached(code: i64, limit: usize) -> Self {
        GraphError::of(
            PARAMETER,
            code,
            format!("(#{code}) You have reached the maximum number of hashtags you can query in 7 days"),
        )
        .user(
            "Hashtag limit reached",
            format!("An Instagram account can query at most {limit} unique hashtags within a rolling 7 day period."),
        )
    }

    /// "The API will return a generic error for any requests that include hashtags that we
    /// have deemed sensitive or offensive" (guides "Hashtag Search"). Code UNCONFIRMED.
    pub(crate) fn sensitive_hashtag() -> Self {
        GraphError::of(PARAMETER, 100, "(#100) Invalid parameter")
    }

    /// "Emojis in hashtag queries are not supported" (guides "Hashtag Search"). Text
    /// UNCONFIRMED.
    pub(crate) fn unsupported_hashtag(q: &str) -> Self {
        GraphError::invalid_param(format!(
            "Param q must be a hashtag made of letters, digits and underscores (emoji are not supported): {q}"
        ))
    }

    /// Business Discovery on a username that is unknown, not a professional account, or
    /// age-gated: 110/2207013, HTTP 400, `is_transient:false`, "Invalid user id", "Cannot find
    /// User", "The user with username: <name> cannot be found." — every part as two recorded
    /// production bodies have it (bk-rs/instagram-apis-rs v14.0
    /// err__ig_user_0__business_discovery__reading__not_business.json and …__not_exists.json,
    /// which confirm facts §1.3's practitioner row); code and subcode stay `Config` knobs.
    pub(crate) fn business_discovery_not_found(code: i64, subcode: Option<i64>, username: &str) -> Self {
        let mut e = GraphError::of(IG_PUBLISHING, code, "Invalid user id").user(
            "Cannot find User",
            format!("The user with username: {username} cannot be found."),
        );
        e.subcode = subcode;
        e
    }
}

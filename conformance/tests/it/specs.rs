//! specs/ checks: every schema compiles, every documented sample matches (or honestly deviates), and strict shapes reject wrong ones.

use std::path::{Path, PathBuf};

use conformance::schemas;
use serde_json::{json, Value};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

struct Fixture {
    file: String,
    body: Value,
}

fn doc_fixtures() -> Vec<Fixture> {
    let dir = workspace().join("fixtures").join("docs");
    let mut fixtures: Vec<Fixture> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("reading {}: {error}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("readable fixture");
            let body =
                serde_json::from_str(&text).unwrap_or_else(|error| panic!("{} is not JSON: {error}", path.display()));
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            Fixture { file, body }
        })
        .collect();
    fixtures.sort_by(|a, b| a.file.cmp(&b.file));
    assert!(!fixtures.is_empty(), "no fixtures in {}", dir.display());
    fixtures
}

fn str_field<'a>(fixture: &'a Fixture, key: &str) -> &'a str {
    fixture.body[key]
        .as_str()
        .unwrap_or_else(|| panic!("{}: \"{key}\" must be a string", fixture.file))
}

fn assert_valid(schema: &str, instance: &Value) {
    if let Err(errors) = schemas::validate(schema, instance) {
        panic!("{schema} rejected {instance}:\n  {}", errors.join("\n  "));
    }
}

#[track_caller]
fn assert_rejected(schema: &str, instance: &Value, path_fragment: &str) {
    match schemas::validate(schema, instance) {
        Ok(()) => panic!("{schema} accepted {instance}"),
        Err(errors) => assert!(
            errors.iter().any(|error| error.contains(path_fragment)),
            "{schema}: expected an error mentioning {path_fragment:?}, got {errors:?}"
        ),
    }
}

// ---------------------------------------------------------------- (a) the catalogue itself

#[test]
fn every_schema_compiles_and_every_ref_resolves() {
    let catalogue = schemas::compile(&schemas::specs_dir()).unwrap_or_else(|error| panic!("{error}"));
    let names = catalogue.names();
    let files: Vec<String> = std::fs::read_dir(schemas::specs_dir())
        .unwrap()
        .filter_map(|entry| {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(schemas::SUFFIX).map(str::to_owned)
        })
        .filter(|name| name != schemas::COMMON)
        .collect();
    assert_eq!(names.len(), files.len(), "every schema file is a shape");
    assert_eq!(schemas::schema_names(), names);
    for expected in [
        "error",
        "ig_user",
        "ig_media",
        "ig_container",
        "ig_comment",
        "user_insights",
        "media_insights",
        "webhook_comments",
        "sim_sandbox",
    ] {
        assert!(names.iter().any(|name| name == expected), "{expected} missing");
    }
}

#[test]
fn every_schema_declares_draft_2020_12_and_its_own_id() {
    for entry in std::fs::read_dir(schemas::specs_dir()).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(name) = file.strip_suffix(schemas::SUFFIX) else {
            continue;
        };
        let document: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            document["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{file}"
        );
        assert_eq!(
            document["$id"],
            format!("https://igsim.local/specs/{name}.schema.json"),
            "{file}"
        );
    }
}

#[test]
fn a_dangling_ref_is_reported_when_compiling() {
    let dir = std::env::temp_dir().join(format!("igsim-specs-dangling-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://igsim.local/specs/broken.schema.json",
        "properties": {"id": {"$ref": "common.schema.json#/$defs/nope"}}
    });
    std::fs::write(dir.join("broken.schema.json"), schema.to_string()).unwrap();
    let result = schemas::compile(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    let error = result.expect_err("a ref to a missing schema must not compile");
    assert!(error.contains("broken.schema.json"), "{error}");
}

#[test]
fn an_unknown_schema_name_is_an_error_not_a_pass() {
    let errors = schemas::validate("ig_nonexistent", &json!({"id": "1"})).unwrap_err();
    assert!(errors[0].contains("unknown schema"), "{errors:?}");
    assert!(schemas::validate("common", &json!({})).is_err());
}

#[test]
fn a_schema_can_be_named_with_or_without_its_file_suffix() {
    assert_valid("ig_hashtag", &json!({"id": "17841593698074073", "name": "coke"}));
    assert_valid(
        "ig_hashtag.schema.json",
        &json!({"id": "17841593698074073", "name": "coke"}),
    );
}

// ---------------------------------------------------------------- (b) the documentation's samples

#[test]
fn every_documented_sample_matches_its_schema() {
    let mut problems = Vec::new();
    for fixture in doc_fixtures() {
        for key in ["source", "request", "schema"] {
            str_field(&fixture, key);
        }
        let schema = str_field(&fixture, "schema");
        let response = fixture
            .body
            .get("response")
            .unwrap_or_else(|| panic!("{}: no \"response\"", fixture.file));
        let deviation = fixture.body.get("known_deviation").and_then(Value::as_str);
        match (schemas::validate(schema, response), deviation) {
            (Ok(()), None) | (Err(_), Some(_)) => {}
            (Err(errors), None) => problems.push(format!(
                "{} does not match {schema}:\n    {}",
                fixture.file,
                errors.join("\n    ")
            )),
            (Ok(()), Some(_)) => problems.push(format!(
                "{} claims a known_deviation but matches {schema}: drop the claim",
                fixture.file
            )),
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn every_known_deviation_fails_for_a_reason_that_is_written_down() {
    for fixture in doc_fixtures() {
        if let Some(deviation) = fixture.body.get("known_deviation") {
            let text = deviation.as_str().unwrap_or_default();
            assert!(text.len() > 20, "{}: say why it deviates", fixture.file);
            let schema = str_field(&fixture, "schema");
            let errors = schemas::validate(schema, &fixture.body["response"]).unwrap_err();
            assert!(
                errors.iter().all(|error| !error.contains("unknown schema")),
                "{}",
                fixture.file
            );
        }
    }
}

#[test]
fn documented_webhook_payloads_match_once_unwrapped_from_their_array() {
    let mut seen = 0;
    for fixture in doc_fixtures() {
        let schema = str_field(&fixture, "schema");
        if !schema.starts_with("webhook") {
            continue;
        }
        let Some(deliveries) = fixture.body["response"].as_array() else {
            continue;
        };
        for delivery in deliveries {
            seen += 1;
            if let Err(errors) = schemas::validate(schema, delivery) {
                panic!("{}: {}", fixture.file, errors.join("; "));
            }
            assert_valid("webhook", delivery);
        }
    }
    assert!(seen >= 3, "expected the guide's three webhook samples, saw {seen}");
}

#[test]
fn every_fixture_names_a_schema_that_exists() {
    let names = schemas::schema_names();
    for fixture in doc_fixtures() {
        let schema = str_field(&fixture, "schema");
        let name = schema.strip_suffix(schemas::SUFFIX).unwrap_or(schema);
        assert!(names.iter().any(|known| known == name), "{}: {schema}", fixture.file);
    }
}

// ---------------------------------------------------------------- (c) strictness

#[test]
fn a_fully_expanded_ig_user_validates_through_nested_edges() {
    assert_valid(
        "ig_user",
        &json!({
            "id": "17841405822304914",
            "username": "metricsaurus",
            "followers_count": 10,
            "media": {
                "data": [{
                    "id": "17918195224117851",
                    "media_type": "CAROUSEL_ALBUM",
                    "media_product_type": "FEED",
                    "timestamp": "2019-09-26T22:36:43+0000",
                    "children": {"data": [{"id": "17918195224117852", "media_type": "VIDEO"}]},
                    "comments": {"data": [{
                        "id": "17873440459141021",
                        "text": "I love this!",
                        "from": {"id": "1", "username": "fan"},
                        "replies": {"data": [{"id": "17873440459141022", "parent_id": "17873440459141021"}]}
                    }]}
                }],
                "paging": {
                    "cursors": {"before": "QVFI", "after": "QVFJ"},
                    "next": "http://127.0.0.1:8080/v21.0/17841405822304914/media?after=QVFJ"
                }
            }
        }),
    );
}

#[test]
fn a_node_without_its_id_is_rejected() {
    assert_rejected("ig_media", &json!({"caption": "hi"}), "\"id\" is a required property");
    assert_rejected("ig_user", &json!({"username": "x"}), "id");
    assert_rejected("ig_comment", &json!({"text": "x"}), "id");
    assert_rejected("ig_container", &json!({"status_code": "FINISHED"}), "id");
}

#[test]
fn ids_must_be_strings_of_digits() {
    assert_rejected("ig_media", &json!({"id": 17918195224117851_u64}), "/id");
    assert_rejected("ig_media", &json!({"id": "abc"}), "/id");
    assert_rejected("id_response", &json!({"id": "{ig-container-id}"}), "/id");
}

#[test]
fn enums_are_strict() {
    assert_rejected("ig_media", &json!({"id": "1", "media_type": "PHOTO"}), "/media_type");
    assert_rejected(
        "ig_media",
        &json!({"id": "1", "media_product_type": "IGTV"}),
        "/media_product_type",
    );
    assert_rejected(
        "ig_container",
        &json!({"id": "1", "status_code": "DONE"}),
        "/status_code",
    );
    assert_rejected(
        "ig_container",
        &json!({"id": "1", "copyright_check_status": {"status": "complete", "matches_found": false}}),
        "/copyright_check_status/status",
    );
    assert_rejected(
        "me_accounts",
        &json!({"data": [{"id": "1", "tasks": ["OWNER"]}]}),
        "/data/0/tasks/0",
    );
    assert_rejected(
        "sim_sandbox",
        &json!({"id": "s", "app": {"id": "1", "secret": "x"}, "users": [], "pages": [],
                "instagram_accounts": [{"id": "2", "username": "u", "account_type": "PRIVATE"}]}),
        "/instagram_accounts/0/account_type",
    );
}

#[test]
fn timestamps_must_be_utc_with_a_plus_0000_offset() {
    assert_valid("ig_media", &json!({"id": "1", "timestamp": "2019-04-05T07:56:32+0000"}));
    for bad in [
        "2019-04-05T07:56:32Z",
        "2019-04-05T07:56:32+00:00",
        "2019-04-05 07:56:32",
        "1554450992",
    ] {
        assert_rejected("ig_media", &json!({"id": "1", "timestamp": bad}), "/timestamp");
    }
    assert_rejected(
        "user_insights",
        &json!({"data": [{"name": "reach", "period": "day", "id": "1/insights/reach/day",
                          "values": [{"value": 1, "end_time": "2018-01-11T08:00:00Z"}]}]}),
        "/data/0/values/0/end_time",
    );
}

#[test]
fn unknown_or_renamed_fields_are_rejected() {
    assert_rejected("ig_media", &json!({"id": "1", "video_title": "x"}), "video_title");
    assert_rejected("ig_user", &json!({"id": "1", "follower_count": 3}), "follower_count");
    assert_rejected("ig_comment", &json!({"id": "1", "message": "hi"}), "message");
    assert_rejected(
        "hashtag_media",
        &json!({"data": [{"id": "1", "username": "someone"}]}),
        "username",
    );
    assert_rejected(
        "hashtag_media",
        &json!({"data": [{"id": "1", "owner": {"id": "2"}}]}),
        "owner",
    );
    assert_rejected(
        "error",
        &json!({"error": {"message": "m", "type": "OAuthException", "code": 1, "status": 400}}),
        "status",
    );
    assert_rejected("sim_clock", &json!({"now": 1, "frozen": false, "speed": 2}), "speed");
}

#[test]
fn edges_need_data_and_absolute_paging_urls() {
    assert_rejected(
        "ig_media_list",
        &json!({"paging": {}}),
        "\"data\" is a required property",
    );
    assert_rejected(
        "ig_media_list",
        &json!({"data": [], "paging": {"next": "/v21.0/1/media?after=x"}}),
        "/paging/next",
    );
    assert_valid("ig_live_media", &json!({"data": [], "paging": {}}));
    assert_rejected(
        "hashtag_media",
        &json!({"data": [], "paging": {"cursors": {"before": "a", "after": "b"}}}),
        "before",
    );
}

#[test]
fn errors_name_the_json_path_of_each_violation() {
    let errors = schemas::validate(
        "ig_media_list",
        &json!({"data": [{"id": "1"}, {"id": "x", "like_count": -1}]}),
    )
    .unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().any(|e| e.starts_with("/data/1/id: ")), "{errors:?}");
    assert!(
        errors.iter().any(|e| e.starts_with("/data/1/like_count: ")),
        "{errors:?}"
    );
}

#[test]
fn the_error_envelope_needs_message_type_and_integer_code() {
    assert_valid(
        "error",
        &json!({"error": {"message": "The access token could not be decrypted", "type": "OAuthException", "code": 190, "fbtrace_id": "A1"}}),
    );
    assert_rejected(
        "error",
        &json!({"error": {"message": "m", "type": "OAuthException"}}),
        "code",
    );
    assert_rejected(
        "error",
        &json!({"error": {"message": "m", "type": "OAuthException", "code": "190"}}),
        "/error/code",
    );
    assert_rejected(
        "error",
        &json!({"message": "m", "type": "OAuthException", "code": 190}),
        "error",
    );
}

#[test]
fn insights_keep_their_documented_shapes() {
    assert_rejected(
        "media_insights",
        &json!({"data": [{"name": "reach", "period": "lifetime", "id": "1/insights/reach/lifetime",
                          "values": [{"value": 1, "end_time": "2018-01-11T08:00:00+0000"}]}]}),
        "end_time",
    );
    assert_rejected(
        "media_insights",
        &json!({"data": [{"name": "reach", "period": "lifetime", "id": "media_id/insights/reach/lifetime",
                          "values": [{"value": 1}]}]}),
        "/data/0/id",
    );
    assert_rejected(
        "user_insights",
        &json!({"data": [{"name": "reach", "period": "fortnight", "id": "1/insights/reach/day", "values": []}]}),
        "/data/0/period",
    );
    assert_rejected(
        "user_insights",
        &json!({"data": [{"name": "reach", "period": "day", "id": "1/insights/reach/day"}]}),
        "/data/0",
    );
    assert_valid("user_insights", &json!({"data": []}));
}

#[test]
fn webhook_envelopes_are_instagram_changes_with_matching_fields() {
    let comment = json!({"object": "instagram", "entry": [{"id": "17841405309211844", "time": 1700000000, "changes": [{
        "field": "comments",
        "value": {"from": {"id": "232323232", "username": "test"}, "media": {"id": "123123123", "media_product_type": "FEED"},
                  "id": "17865799348089039", "parent_id": "1231231234", "text": "This is an example."}}]}]});
    assert_valid("webhook_comments", &comment);
    assert_valid("webhook", &comment);
    let mut as_page = comment.clone();
    as_page["object"] = json!("page");
    assert_rejected("webhook_comments", &as_page, "/object");
    let mut wrong_field = comment.clone();
    wrong_field["entry"][0]["changes"][0]["field"] = json!("mentions");
    assert_rejected("webhook_comments", &wrong_field, "/entry/0/changes/0/field");
    assert_rejected(
        "webhook_story_insights",
        &json!({"object": "instagram", "entry": [{"id": "1", "time": 1, "changes": [{
            "field": "story_insights", "value": {"media_id": "1", "reach": -2}}]}]}),
        "/reach",
    );
}

#[test]
fn the_control_plane_shapes_are_strict_too() {
    assert_valid(
        "sim_sandbox",
        &json!({"id": "sbx_1", "app": {"id": "1000", "secret": "s"},
                "users": [{"id": "2000", "name": "Ada", "access_token": "EAA1", "permissions": ["instagram_basic"]}],
                "pages": [{"id": "3000", "name": "P", "access_token": "EAA2", "instagram_business_account": null}],
                "instagram_accounts": [{"id": "17841400000000001", "username": "ada", "account_type": "BUSINESS"}]}),
    );
    assert_rejected("sim_sandbox", &json!({"id": "sbx_1"}), "\"app\" is a required property");
    assert_rejected("sim_clock", &json!({"now": "1700000000", "frozen": true}), "/now");
    assert_valid("sim_health", &json!({"status": "ok", "version": "0.1.0"}));
    assert_rejected("sim_health", &json!({"status": "degraded"}), "/status");
    assert_rejected("success_response", &json!({"success": false}), "/success");
    assert_valid("sim_requests_cleared", &json!({"success": true, "cleared": 3}));
    assert_rejected(
        "sim_requests_cleared",
        &json!({"success": true, "removed": 3}),
        "removed",
    );
    assert_valid("sim_faults_removed", &json!({"success": true, "removed": 0}));
    assert_rejected(
        "sim_faults_removed",
        &json!({"success": true, "removed": -1}),
        "/removed",
    );
    assert_rejected("multi_read", &json!({"1": {"name": "no id"}}), "/1");
}

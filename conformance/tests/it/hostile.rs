//! Hostile and careless input (issue 13): nothing a client sends takes the simulator down or
//! makes it grow without bound, and every refusal is the documented error. Each test here is
//! one kind of fault; the simulator is checked alive after each.

use crate::support::METRICSAURUS;
use conformance::client::Client;
use conformance::sim::{self, Sandbox};

/// The shared simulator still answers.
fn assert_alive(sb: &Sandbox) {
    let c = Client::new(&sb.base_url);
    let r = c.get_url(&format!("{}/_sim/health", sb.base_url));
    assert_eq!(r.status, 200, "the simulator stopped answering: {}", r.text);
}

fn form_post(sb: &Sandbox, path: &str, body: &str) -> conformance::client::Resp {
    let c = Client::new(&sb.base_url);
    let url = format!("{}/v21.0/{}", sb.base_url, path.trim_start_matches('/'));
    c.send_bytes(
        "POST",
        &url,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    )
}

/// `n` levels of `open`, a value, `n` of `close`, url-encoded for a form body.
fn nested(n: usize, open: &str, close: &str) -> String {
    let text = format!("{}1{}", open.repeat(n), close.repeat(n));
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[test]
fn deeply_nested_batch_json_with_any_token_answers_the_token_error() {
    let sb = sim::fresh();
    for batch in [
        nested(1_600, "{a:", "}"),
        nested(3_200, "[", "]"),
        nested(100_000, "[", "]"),
    ] {
        form_post(&sb, "", &format!("access_token=x&batch={batch}")).graph_error(190, None);
        assert_alive(&sb);
    }
}

#[test]
fn deeply_nested_client_json_is_a_parameter_error_not_a_crash() {
    let sb = sim::fresh();
    let token = sb.user_token("Dana Admin");
    for batch in [
        nested(1_600, "{a:", "}"),
        nested(3_200, "[", "]"),
        nested(129, "[", "]"),
    ] {
        let r = form_post(&sb, "", &format!("access_token={token}&batch={batch}"));
        let e = r.graph_error(100, None);
        assert!(e["message"].as_str().unwrap().contains("batch"), "{}", r.text);
        assert_alive(&sb);
    }
    // The same depths in every other JSON parameter: user_tags on a container.
    for tags in [nested(1_600, "{a:", "}"), nested(3_200, "[", "]")] {
        let body = format!("access_token={token}&image_url=https%3A%2F%2Fexample.com%2Fa.jpg&user_tags={tags}");
        let r = form_post(&sb, &format!("{METRICSAURUS}/media"), &body);
        let e = r.graph_error(100, None);
        assert!(e["message"].as_str().unwrap().contains("user_tags"), "{}", r.text);
        assert_alive(&sb);
    }
    // A JSON body nested past serde_json's limit is a malformed body.
    let c = Client::new(&sb.base_url);
    let deep = format!(
        "{{\"access_token\":\"{token}\",\"user_tags\":{}1{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let r = c.send_bytes(
        "POST",
        &format!("{}/v21.0/{METRICSAURUS}/media", sb.base_url),
        &[("Content-Type", "application/json")],
        deep.as_bytes(),
    );
    r.graph_error(100, None);
    assert_alive(&sb);
}

#[test]
fn a_batch_with_a_bad_or_expired_token_answers_the_tokens_error() {
    let sb = sim::fresh();
    let batch = r#"[{"method":"GET","relative_url":"me"}]"#;
    let c = Client::new(&sb.base_url).with_token("garbage");
    c.post("", &[("batch", batch)]).graph_error(190, None);
    let c = Client::new(&sb.base_url).with_token("EAAGnotatokenthissandboxknows000000");
    c.post("", &[("batch", batch)]).graph_error(190, None);
    c.post("", &[("batch", "[]")]).graph_error(190, None);
    let c = sb.client_as("Sam Expired");
    c.post("", &[("batch", batch)]).graph_error(190, Some(463));
    // A good token still runs the operations.
    let r = sb.client_as("Dana Admin").post("", &[("batch", batch)]);
    assert_eq!(r.ok("batch_response").as_array().unwrap().len(), 1);
}
